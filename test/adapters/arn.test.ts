import { eventRuleRef, lambdaFunctionName, parseArn, ssmParameterName } from '../../lambdas/adapters/arn';
import { toApiFailure } from '../../lambdas/adapters/aws-error';

const parsed = (arn: string) => {
  const result = parseArn(arn);
  if (result === undefined) throw new Error(`expected ${arn} to parse`);
  return result;
};

describe('ARN parsing', () => {
  it('rejects strings that are not ARNs', () => {
    for (const bad of [
      '',
      'arn',
      'arn:aws:lambda',
      'urn:aws:lambda:r:a:function:f',
      'arn::lambda:r:a:function:f',
      'arn:aws:lambda:r:a:',
    ]) {
      expect(parseArn(bad)).toBeUndefined();
    }
  });

  it('keeps colons inside the resource part', () => {
    expect(parsed('arn:aws-cn:lambda:cn-north-1:111122223333:function:f:live')).toEqual({
      partition: 'aws-cn',
      service: 'lambda',
      region: 'cn-north-1',
      accountId: '111122223333',
      resource: 'function:f:live',
    });
    expect(lambdaFunctionName(parsed('arn:aws:lambda:r:a:function:f:live'))).toBe('f');
    expect(lambdaFunctionName(parsed('arn:aws:lambda:r:a:layer:l:1'))).toBeUndefined();
  });

  it('reads rule names on the default and custom buses', () => {
    expect(eventRuleRef(parsed('arn:aws:events:r:a:rule/sync'))).toEqual({
      name: 'sync',
      eventBusName: 'default',
    });
    expect(eventRuleRef(parsed('arn:aws:events:r:a:rule/bus/sync'))).toEqual({
      name: 'sync',
      eventBusName: 'bus',
    });
    expect(eventRuleRef(parsed('arn:aws:events:r:a:event-bus/bus'))).toBeUndefined();
  });

  it('restores the leading slash of hierarchical parameter names only', () => {
    expect(ssmParameterName(parsed('arn:aws:ssm:r:a:parameter/tmc/prod/token'))).toBe('/tmc/prod/token');
    expect(ssmParameterName(parsed('arn:aws:ssm:r:a:parameter/token'))).toBe('token');
    expect(ssmParameterName(parsed('arn:aws:ssm:r:a:document/x'))).toBeUndefined();
  });
});

describe('toApiFailure', () => {
  const site = { service: 'ssm', operation: 'DescribeParameters', region: 'us-east-1' };

  it('uses the SDK error name and message', () => {
    const error = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    expect(toApiFailure(error, { ...site, resourceArn: 'arn:x' })).toEqual({
      ...site,
      errorName: 'AccessDeniedException',
      message: 'denied',
      resourceArn: 'arn:x',
    });
  });

  it('copes with things thrown that are not errors', () => {
    expect(toApiFailure('boom', site)).toMatchObject({ errorName: 'UnknownError', message: 'boom' });
    expect(toApiFailure({ Code: 'Throttling' }, site)).toMatchObject({
      errorName: 'Throttling',
      message: 'Unknown error',
    });
    expect(toApiFailure(new Error('plain'), site)).toMatchObject({ errorName: 'Error', message: 'plain' });
  });
});
