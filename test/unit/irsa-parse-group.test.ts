import { groupDenials, MAX_SAMPLE_EVENT_IDS } from '../../lambdas/core/irsa/group';
import { parseTrailEvent, parseTrailEvents } from '../../lambdas/core/irsa/parse-event';
import { normaliseProvider } from '../../lambdas/core/irsa/provider';
import {
  ISSUER,
  PROVIDER_ARN,
  REGION,
  ROLE_ARN,
  SEED_EVENT,
  SEED_ROLE_ARN,
  SUBJECT,
  denial,
  rawEvent,
  trailRecord,
} from '../fixtures/irsa';

describe('parseTrailEvent', () => {
  it("parses the troubleshooting guide's denied event, verbatim", () => {
    const parsed = parseTrailEvent(
      { eventId: 'seed-1', eventTime: '2023-02-06T15:50:41.000Z', cloudTrailEvent: SEED_EVENT },
      REGION,
    );
    expect(parsed).toEqual({
      kind: 'denial',
      denial: {
        eventId: 'seed-1',
        eventTime: '2023-02-06T15:50:41.000Z',
        region: REGION,
        roleArn: SEED_ROLE_ARN,
        subject: 'system:serviceaccount:serverless:aws-sdk',
        errorCode: 'AccessDenied',
        errorMessage: 'An unknown error occurred',
      },
    });
  });

  it.each([
    ['a provider ARN', PROVIDER_ARN],
    ['an issuer host and path', ISSUER],
    ['an https issuer URL', `https://${ISSUER}/`],
  ])('keeps identityProvider logged as %s, and it normalises to the provider ARN', (_name, logged) => {
    const parsed = parseTrailEvent(rawEvent({ identityProvider: logged }), REGION);
    expect(parsed.kind).toBe('denial');
    if (parsed.kind !== 'denial') return;
    expect(parsed.denial.identityProvider).toBe(logged);
    expect(normaliseProvider(parsed.denial.identityProvider, parsed.denial.roleArn)).toEqual({
      issuer: ISSUER,
      arn: PROVIDER_ARN,
    });
  });

  it('takes the record fields STS logs', () => {
    const parsed = parseTrailEvent(
      rawEvent({
        eventId: 'e-1',
        sourceIpAddress: '198.51.100.7',
        userAgent: 'Boto3/1.9.0',
        errorCode: 'AccessDenied',
      }),
      'eu-west-1',
    );
    expect(parsed).toMatchObject({
      kind: 'denial',
      denial: {
        eventId: 'e-1',
        region: 'eu-west-1',
        roleArn: ROLE_ARN,
        subject: SUBJECT,
        sourceIpAddress: '198.51.100.7',
        userAgent: 'Boto3/1.9.0',
        errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      },
    });
  });

  it("prefers the record's eventTime to LookupEvents' EventTime, and falls back to it", () => {
    const record = trailRecord({ eventId: 'e-2', eventTime: '2026-11-22T11:31:02Z' });
    const own = parseTrailEvent(
      { eventId: 'e-2', eventTime: '2026-11-22T11:31:00.000Z', cloudTrailEvent: JSON.stringify(record) },
      REGION,
    );
    expect(own.kind === 'denial' && own.denial.eventTime).toBe('2026-11-22T11:31:02.000Z');
    const withoutTime = { ...record, eventTime: undefined };
    const fallback = parseTrailEvent(
      { eventId: 'e-2', eventTime: '2026-11-22T11:31:00.000Z', cloudTrailEvent: JSON.stringify(withoutTime) },
      REGION,
    );
    expect(fallback.kind === 'denial' && fallback.denial.eventTime).toBe('2026-11-22T11:31:00.000Z');
  });

  it('falls back to the record eventID when LookupEvents gave none', () => {
    const record = trailRecord({ eventId: 'from-record' });
    const parsed = parseTrailEvent({ cloudTrailEvent: JSON.stringify(record) }, REGION);
    expect(parsed.kind === 'denial' && parsed.denial.eventId).toBe('from-record');
  });

  it('reports a successful call as a success, not a denial', () => {
    expect(parseTrailEvent(rawEvent({ errorCode: null }), REGION)).toEqual({ kind: 'success' });
  });

  const without = (field: string, nested?: string) => {
    const record: Record<string, unknown> = trailRecord({ eventId: 'x' });
    if (nested) record[field] = { ...(record[field] as object), [nested]: undefined };
    else delete record[field];
    return { eventId: 'x', cloudTrailEvent: JSON.stringify(record) };
  };

  it.each([
    ['no CloudTrailEvent', { eventId: 'x' }, 'missing CloudTrailEvent'],
    [
      'malformed JSON',
      { eventId: 'x', cloudTrailEvent: '{"eventName": "AssumeRoleWith' },
      'malformed CloudTrailEvent JSON',
    ],
    ['a JSON array', { eventId: 'x', cloudTrailEvent: '[1,2]' }, 'CloudTrailEvent is not a JSON object'],
    ['JSON null', { eventId: 'x', cloudTrailEvent: 'null' }, 'CloudTrailEvent is not a JSON object'],
    [
      'another event name',
      { eventId: 'x', cloudTrailEvent: JSON.stringify({ ...trailRecord(), eventName: 'AssumeRole' }) },
      'unexpected eventName',
    ],
    ['no roleArn', without('requestParameters', 'roleArn'), 'missing requestParameters.roleArn'],
    ['no requestParameters', without('requestParameters'), 'missing requestParameters.roleArn'],
    [
      'no event id anywhere',
      { cloudTrailEvent: JSON.stringify({ ...trailRecord(), eventID: undefined }) },
      'missing event id',
    ],
    [
      'an unparseable time',
      {
        eventId: 'x',
        eventTime: 'yesterday',
        cloudTrailEvent: JSON.stringify({ ...trailRecord(), eventTime: 'soon' }),
      },
      'missing or invalid eventTime',
    ],
  ])('skips %s with a reason, without throwing', (_name, raw, reason) => {
    const parsed = parseTrailEvent(raw, REGION);
    expect(parsed).toMatchObject({ kind: 'skipped', record: { source: 'cloudtrail:LookupEvents', reason } });
  });

  it('sorts a page into denials, successes and counted skips', () => {
    const page = parseTrailEvents(
      [
        rawEvent(),
        rawEvent({ errorCode: null }),
        rawEvent({ errorCode: null }),
        { eventId: 'bad', cloudTrailEvent: 'not json' },
        rawEvent({ errorCode: 'InvalidIdentityToken' }),
      ],
      REGION,
    );
    expect(page.denials.map((d) => d.errorCode)).toEqual(['AccessDenied', 'InvalidIdentityToken']);
    expect(page.successes).toBe(2);
    expect(page.skipped).toHaveLength(1);
    expect(page.skipped[0]!.detail).toContain('bad');
  });
});

describe('groupDenials', () => {
  const at = (minute: number) => `2026-11-22T11:${String(minute).padStart(2, '0')}:00.000Z`;

  it('groups by role, subject, provider (whatever form it was logged in) and error code', () => {
    const groups = groupDenials([
      denial({ eventTime: at(10), identityProvider: PROVIDER_ARN }),
      denial({ eventTime: at(20), identityProvider: ISSUER }),
      denial({ eventTime: at(15), identityProvider: `https://${ISSUER}` }),
      denial({ subject: 'system:serviceaccount:serverless:other' }),
      denial({ errorCode: 'InvalidIdentityToken' }),
      denial({ roleArn: `${ROLE_ARN}-2` }),
      denial({ region: 'us-east-1' }),
    ]);
    expect(groups.map((g) => g.count).sort()).toEqual([1, 1, 1, 1, 3]);
    const main = groups.find((g) => g.count === 3)!;
    expect(main).toMatchObject({
      region: REGION,
      roleArn: ROLE_ARN,
      subject: SUBJECT,
      providerArn: PROVIDER_ARN,
      provider: { issuer: ISSUER, arn: PROVIDER_ARN },
      errorCode: 'AccessDenied',
      firstSeen: at(10),
      lastSeen: at(20),
    });
  });

  it('keeps the 5 newest event ids, newest first', () => {
    const denials = Array.from({ length: 8 }, (_, i) =>
      denial({ eventId: `id-${i}`, eventTime: at(10 + i) }),
    );
    const [group] = groupDenials(denials);
    expect(group!.count).toBe(8);
    expect(group!.sampleEventIds).toHaveLength(MAX_SAMPLE_EVENT_IDS);
    expect(group!.sampleEventIds).toEqual(['id-7', 'id-6', 'id-5', 'id-4', 'id-3']);
    expect(group!.firstSeen).toBe(at(10));
    expect(group!.lastSeen).toBe(at(17));
  });

  it('lists distinct source IPs and user agents, most frequent first, capped at 10', () => {
    const denials = [
      denial({ sourceIpAddress: '192.0.2.2', userAgent: 'Boto3/1.9.0' }),
      denial({ sourceIpAddress: '192.0.2.1', userAgent: 'Boto3/1.9.0' }),
      denial({ sourceIpAddress: '192.0.2.1', userAgent: 'aws-sdk-java/1.11.0' }),
      denial({ sourceIpAddress: undefined, userAgent: undefined }),
      ...Array.from({ length: 12 }, (_, i) => denial({ sourceIpAddress: `198.51.100.${i}` })),
    ];
    const [group] = groupDenials(denials);
    expect(group!.sourceIps[0]).toBe('192.0.2.1');
    expect(group!.sourceIps).toHaveLength(10);
    expect(new Set(group!.sourceIps).size).toBe(10);
    expect(group!.userAgents).toEqual(['aws-sdk-go-v2/1.30.3', 'Boto3/1.9.0', 'aws-sdk-java/1.11.0']);
  });

  it('counts an event id seen twice in a region once (overlapping windows)', () => {
    const twice = denial({ eventId: 'dup' });
    const groups = groupDenials([twice, twice, denial({ eventId: 'dup', region: 'us-east-1' })]);
    expect(groups.map((g) => [g.region, g.count])).toEqual([
      ['us-east-1', 1],
      [REGION, 1],
    ]);
  });

  it('gives the same groups in the same order whatever the input order', () => {
    const denials = [
      denial({ eventId: 'a', eventTime: at(1), subject: 'system:serviceaccount:b:b' }),
      denial({ eventId: 'b', eventTime: at(2), subject: 'system:serviceaccount:a:a' }),
      denial({ eventId: 'c', eventTime: at(3), subject: 'system:serviceaccount:a:a' }),
      denial({ eventId: 'd', eventTime: at(3), errorCode: 'ExpiredTokenException' }),
    ];
    expect(groupDenials([...denials].reverse())).toEqual(groupDenials(denials));
  });

  it('keeps a denial without subject or provider (the guide event) in its own group', () => {
    const groups = groupDenials([denial({ subject: undefined, identityProvider: undefined }), denial()]);
    const bare = groups.find((g) => g.subject === '')!;
    expect(bare).toMatchObject({ providerArn: '', count: 1 });
    expect(bare.provider).toBeUndefined();
  });
});
