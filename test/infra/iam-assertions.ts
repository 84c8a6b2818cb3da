/**
 * The least-privilege rules every synthesized template must keep (iam.test.ts for the single-account stack,
 * fleet-iam.test.ts for the hub, the member template, a member deployed by hand and the asset bucket stacks).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { actionsOf, allPolicyStatements, IDENTITY_POLICY_TYPES, type FoundStatement } from './helpers';

/** Reading a parameter value (the TMC token is one) is never allowed, under any condition. */
export const PARAMETER_READS = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
];

/**
 * The only KMS actions any identity policy may hold: what SNS needs from a publisher to a topic encrypted with a
 * customer-managed key (AWS documents GenerateDataKey* for it, the one wildcard action allowed).
 */
export const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** The identity-policy Allow statements of the template. */
export function identityAllowsOf(template: Template): FoundStatement[] {
  return allPolicyStatements(template).filter(
    (found) => IDENTITY_POLICY_TYPES.includes(found.type) && found.statement.Effect === 'Allow',
  );
}

/** Identity policies list every action explicitly: no "*" in any action (but kms:GenerateDataKey*), no NotAction. */
export function expectExplicitActions(template: Template): void {
  const identityAllows = identityAllowsOf(template);
  expect(identityAllows.length).toBeGreaterThan(0);
  for (const { statement } of identityAllows) {
    expect(statement.NotAction).toBeUndefined();
    for (const action of actionsOf(statement)) {
      if (action !== 'kms:GenerateDataKey*') expect(action).not.toContain('*');
    }
  }
}

/** No policy anywhere (identity or resource) allows reading parameter values, or sts:GetCallerIdentity. */
export function expectNoParameterReads(template: Template): void {
  const allowed = allPolicyStatements(template)
    .filter((found) => found.statement.Effect === 'Allow')
    .flatMap((found) => actionsOf(found.statement).map((action) => action.toLowerCase()));
  for (const action of PARAMETER_READS) expect(allowed).not.toContain(action.toLowerCase());
  expect(allowed.filter((action) => action.startsWith('ssm:get'))).toEqual([]);
  expect(allowed).not.toContain('sts:getcalleridentity');
}

/**
 * Publishing to the topic encrypted with the stack's customer-managed key needs kms:GenerateDataKey* and
 * kms:Decrypt from the publisher. That grant must not become a way to read the TMC token: the token is a
 * SecureString encrypted under another key (TMC's or aws/ssm), and decrypting it would go through SSM, not SNS.
 * So the only KMS statements allowed are those two actions, on the topic key's ARN alone, with kms:ViaService =
 * sns.<region>.amazonaws.com. Returns the roles holding them (logical id up to `Role`).
 */
export function expectKmsOnlyOnTopicKeyViaSns(template: Template): string[] {
  const kmsStatements = identityAllowsOf(template).filter((found) =>
    actionsOf(found.statement).some((action) => action.toLowerCase().startsWith('kms:')),
  );
  for (const { statement } of kmsStatements) {
    expect(actionsOf(statement).sort()).toEqual(TOPIC_KEY_ACTIONS);
    expect(statement.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^NotificationsTopicKey[0-9A-F]{8}$/), 'Arn'],
    });
    expect(statement.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  }
  return [...new Set(kmsStatements.map((found) => found.logicalId.replace(/Role.*$/, 'Role')))].sort();
}

/** Key policies (KeyPolicy) are not among these statements: no other resource policy mentions KMS. */
export function expectNoKmsInResourcePolicies(template: Template): void {
  const kmsInResourcePolicies = allPolicyStatements(template).filter(
    (found) =>
      !IDENTITY_POLICY_TYPES.includes(found.type) &&
      actionsOf(found.statement).some((action) => action.toLowerCase().startsWith('kms:')),
  );
  expect(kmsInResourcePolicies).toEqual([]);
}

/** The sorted actions granted on Resource "*" (only actions without resource-level permissions may be). */
export function starResourceActions(template: Template): string[] {
  return identityAllowsOf(template)
    .filter((found) => found.statement.Resource === '*')
    .flatMap((found) => actionsOf(found.statement))
    .sort();
}

/** No role has managed policies (AWS-managed ones grant far more than the functions call). */
export function expectNoManagedPolicies(template: Template): void {
  const roles = Object.values(template.findResources('AWS::IAM::Role')) as {
    Properties: Record<string, unknown>;
  }[];
  for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
}
