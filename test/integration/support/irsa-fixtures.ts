/**
 * CloudTrail records of `AssumeRoleWithWebIdentity` calls from EKS pods, shaped like the real ones (the field set of
 * the AWS IRSA troubleshooting guide's denied event, completed with what CloudTrail logs for STS calls), ready to
 * seed into the CloudTrail stub. Denied calls carry `errorCode`; successful ones do not and must be ignored.
 */
import { createHash } from 'node:crypto';
import type { StubEvent } from './cloudtrail-stub';

export const WEB_IDENTITY_EVENT = 'AssumeRoleWithWebIdentity';

/** The issuer host and path of an EKS cluster's OIDC provider (no scheme), as IAM and CloudTrail name it. */
export const eksIssuer = (region: string, id: string) => `oidc.eks.${region}.amazonaws.com/id/${id}`;
export const oidcProviderArn = (account: string, issuer: string) =>
  `arn:aws:iam::${account}:oidc-provider/${issuer}`;
export const serviceAccountSubject = (namespace: string, serviceAccount: string) =>
  `system:serviceaccount:${namespace}:${serviceAccount}`;

export interface WebIdentityCall {
  readonly roleArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Issuer host and path, e.g. oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE... */
  readonly issuer: string;
  /** The account owning the OIDC provider, used when `identityProviderAs` is 'arn'. */
  readonly providerAccount: string;
  /** CloudTrail logs the provider either as the issuer host or as the provider ARN: fixtures cover both. */
  readonly identityProviderAs?: 'issuer' | 'arn';
  /** The region whose CloudTrail records the call (us-east-1 for the global STS endpoint). */
  readonly region: string;
  readonly eventTime: Date;
  /** Absent for a successful call. */
  readonly errorCode?: string; // AccessDenied, InvalidIdentityToken, ExpiredTokenException, ...
  readonly errorMessage?: string;
  readonly sourceIpAddress?: string;
  readonly userAgent?: string;
  readonly audience?: string;
  /** Defaults to a deterministic id derived from the other fields and `sequence`. */
  readonly eventId?: string;
  readonly sequence?: number;
}

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  AccessDenied: 'An unknown error occurred',
  InvalidIdentityToken: 'Incorrect token audience',
  ExpiredTokenException:
    'Token expired: current date/time 1700000000 must be before the expiration date/time',
};

/** A UUID-shaped id, stable for the same input (so reruns of a test seed the same ids). */
export function deterministicEventId(...parts: readonly unknown[]): string {
  const hex = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** CloudTrail writes event times with second precision. */
export const toCloudTrailTime = (time: Date) => new Date(Math.floor(time.getTime() / 1000) * 1000);

/** The CloudTrail record (`CloudTrailEvent`) of one AssumeRoleWithWebIdentity call. */
export function webIdentityRecord(call: WebIdentityCall): Record<string, unknown> {
  const subject = serviceAccountSubject(call.namespace, call.serviceAccount);
  const providerArn = oidcProviderArn(call.providerAccount, call.issuer);
  const time = toCloudTrailTime(call.eventTime);
  const eventId =
    call.eventId ?? deterministicEventId(call.roleArn, subject, call.region, time, call.sequence);
  const audience = call.audience ?? 'sts.amazonaws.com';
  const roleAccount = call.roleArn.split(':')[4] ?? call.providerAccount;
  const sessionName = `botocore-session-${Math.floor(time.getTime() / 1000)}`;
  const denied = call.errorCode !== undefined;
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${providerArn}:${audience}:${subject}`,
      userName: subject,
      identityProvider: call.identityProviderAs === 'arn' ? providerArn : call.issuer,
    },
    eventTime: time.toISOString().replace('.000Z', 'Z'),
    eventSource: 'sts.amazonaws.com',
    eventName: WEB_IDENTITY_EVENT,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIpAddress ?? '192.0.2.10',
    userAgent: call.userAgent ?? 'Boto3/1.26.65 Python/3.11.1 Linux/5.10.165 Botocore/1.29.65',
    ...(denied
      ? {
          errorCode: call.errorCode,
          errorMessage: call.errorMessage ?? DEFAULT_MESSAGES[call.errorCode ?? ''] ?? '',
        }
      : {}),
    requestParameters: {
      roleArn: call.roleArn,
      roleSessionName: sessionName,
      ...(denied ? {} : { durationSeconds: 3600 }),
    },
    responseElements: denied
      ? null
      : {
          credentials: { accessKeyId: 'ASIAEXAMPLE', sessionToken: 'redacted', expiration: 'later' },
          subjectFromWebIdentityToken: subject,
          assumedRoleUser: {
            assumedRoleId: `AROAEXAMPLE:${sessionName}`,
            arn:
              call.roleArn.replace(':role/', ':assumed-role/').replace(':iam:', ':sts:') + `/${sessionName}`,
          },
          provider: providerArn,
          audience,
        },
    requestID: deterministicEventId('request', eventId),
    eventID: eventId,
    readOnly: true,
    resources: [{ accountId: roleAccount, type: 'AWS::IAM::Role', ARN: call.roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: roleAccount,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.2',
      cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      clientProvidedHostHeader:
        call.region === 'us-east-1' ? 'sts.amazonaws.com' : `sts.${call.region}.amazonaws.com`,
    },
  };
}

/** The LookupEvents entry for a call, as the stub serves it. */
export function webIdentityEvent(call: WebIdentityCall): StubEvent {
  const record = webIdentityRecord(call);
  return {
    eventId: record.eventID as string,
    eventName: WEB_IDENTITY_EVENT,
    eventTime: toCloudTrailTime(call.eventTime),
    eventSource: 'sts.amazonaws.com',
    username: serviceAccountSubject(call.namespace, call.serviceAccount),
    readOnly: true,
    cloudTrailEvent: record,
  };
}

/** The AWS guide's example, completed: a pod in `serverless` using service account `aws-sdk` denied its role. */
export function guideExampleCall(
  account: string,
  region: string,
  eventTime: Date,
): WebIdentityCall & { errorCode: 'AccessDenied' } {
  return {
    roleArn: `arn:aws:iam::${account}:role/AccessEC2role`,
    namespace: 'serverless',
    serviceAccount: 'aws-sdk',
    issuer: eksIssuer(region, 'EXAMPLE11111122222333334444ABCD'),
    providerAccount: account,
    region,
    eventTime,
    errorCode: 'AccessDenied',
    errorMessage: 'An unknown error occurred',
  };
}

/**
 * `count` calls spread evenly over [from, to) (newest at `to` - step), each with its own id. Useful to seed
 * hundreds of events that page over many LookupEvents requests.
 */
export function spreadCalls(call: WebIdentityCall, count: number, from: Date, to: Date): StubEvent[] {
  const span = to.getTime() - from.getTime();
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(from.getTime() + Math.floor(((i + 0.5) * span) / count));
    return webIdentityEvent({ ...call, eventTime: at, sequence: i });
  });
}

/** An entry whose record is not JSON: must be counted and skipped, never fatal. */
export function malformedWebIdentityEvent(region: string, eventTime: Date, sequence = 0): StubEvent {
  return {
    eventId: deterministicEventId('malformed', region, sequence),
    eventName: WEB_IDENTITY_EVENT,
    eventTime: toCloudTrailTime(eventTime),
    eventSource: 'sts.amazonaws.com',
    cloudTrailEvent: '{"eventVersion":"1.08","userIdentity":{"type":"WebIdentityUser"',
  };
}

/** An event of another API: LookupEvents' EventName filter keeps it out. */
export function unrelatedEvent(region: string, eventTime: Date, sequence = 0): StubEvent {
  const eventId = deterministicEventId('unrelated', region, sequence);
  return {
    eventId,
    eventName: 'AssumeRole',
    eventTime: toCloudTrailTime(eventTime),
    eventSource: 'sts.amazonaws.com',
    username: 'ops-admin',
    cloudTrailEvent: {
      eventVersion: '1.08',
      eventName: 'AssumeRole',
      eventSource: 'sts.amazonaws.com',
      awsRegion: region,
      errorCode: 'AccessDenied',
      eventID: eventId,
      eventTime: toCloudTrailTime(eventTime).toISOString(),
    },
  };
}
