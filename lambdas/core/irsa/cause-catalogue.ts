import type { DiagnosisCause } from './types';

/**
 * What each `evidence.cause` of `irsa.assume-role.denied` means, how it shows in the pod, who fixes it and how,
 * for the on-call engineer: docs/checks.md and `tmc-health explain` render it. A Record, so a new cause cannot
 * be added without its row. Placeholders in angle brackets come from the finding (`resource.arn`,
 * `irsa.serviceAccount`, `irsa.oidcProvider`, `correction`).
 */
export interface CauseExplanation {
  readonly cause: DiagnosisCause;
  readonly meaning: string;
  /** The error the workload's AWS SDK raises, as the pod's log shows it. */
  readonly inThePod: string;
  readonly whoFixes: string;
  readonly fix: string;
}

/**
 * The generic refusal, as boto3 prints it (the AWS troubleshooting guide's example) and as the other SDKs do (the
 * Go SDK after `WebIdentityErr: failed to retrieve credentials caused by:`, JavaScript as the error's name and
 * message).
 */
const ACCESS_DENIED =
  '`An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity` (boto3; other SDKs: `AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`)';
/** STS gives the same answer for every trust-policy mismatch and never says which part. */
const NOT_AUTHORIZED = `${ACCESS_DENIED}: the same generic refusal for every trust-policy mismatch, STS does not say which part failed`;
/**
 * CloudTrail logs what the caller's token claims, and anyone holding a token of an issuer the account registered
 * (a CI provider's) can be the caller: the statement is a fix only once the engineer confirmed the call is theirs,
 * and values are taken from their own cluster, never from the denial (see provenance.ts).
 */
const VERIFY_CALLER =
  "The subject and issuer of a denied call are what the caller's token claims, and anyone holding a token of a registered issuer (a CI provider's) can make the call: first check it is yours (`evidence.sourceIps`, `evidence.userAgents`, the CloudTrail events of `irsa.sampleEventIds`)";
const FROM_YOUR_CLUSTER =
  "take the issuer from your cluster (`aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text`) and the subject from the pod's service account (`system:serviceaccount:<namespace>:<serviceaccount>`), never from the denied call";
const UPDATE_TRUST =
  "apply the role's whole trust policy, never a bare statement (`update-assume-role-policy` replaces the whole document, and would drop the role's other statements): `correction.trustPolicy` when the finding has one (the role's statements unchanged but the corrected one; fill in its `correction.placeholders` from your cluster), which `tmc-health check --fix-dir <dir>` writes to `<dir>/<role>.json`; otherwise edit the document `aws iam get-role --role-name <role> --query Role.AssumeRolePolicyDocument` returns. Then `aws iam update-assume-role-policy --role-name <role> --policy-document file://<dir>/<role>.json`";
const RESTART =
  'then restart the pods so they pick up fresh credentials: `kubectl rollout restart deployment/<name> -n <namespace>`';

export const CAUSE_CATALOGUE: Readonly<Record<DiagnosisCause, CauseExplanation>> = {
  'role-not-found': {
    cause: 'role-not-found',
    meaning:
      "The role named in the request does not exist in this account: deleted, never created, or the service account's `eks.amazonaws.com/role-arn` annotation has a typo or names another account's role.",
    inThePod: `${ACCESS_DENIED}: the same generic refusal as a trust-policy mismatch, STS does not say that the role is missing`,
    whoFixes: 'Cluster administrator for the annotation; role owner (platform team) to create the role.',
    fix: 'Check the annotation: `kubectl describe serviceaccount <sa> -n <namespace> | grep -i role-arn`. Fix it with `kubectl annotate serviceaccount <sa> -n <namespace> eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role> --overwrite`, or create the role and its trust in one step: `eksctl create iamserviceaccount --cluster <cluster> --namespace <namespace> --name <sa> --attach-policy-arn <policy-arn> --approve`; then restart the pods.',
  },
  'no-web-identity-statement': {
    cause: 'no-web-identity-statement',
    meaning:
      'The role exists but its trust policy has no Allow statement for `sts:AssumeRoleWithWebIdentity` (for example a role made for EC2 or Lambda, trusting a service principal only).',
    inThePod: NOT_AUTHORIZED,
    whoFixes: 'Role owner (platform or application team).',
    fix: `Add the web-identity statement for the cluster's OIDC provider: ${UPDATE_TRUST} (keep the role's other statements in the document); ${RESTART}.`,
  },
  'provider-mismatch': {
    cause: 'provider-mismatch',
    meaning:
      "The trust policy trusts an OIDC provider (`Principal.Federated`), but not the one of the pod's cluster: typically a role copied from another cluster, or a cluster recreated with a new OIDC issuer.",
    inThePod: NOT_AUTHORIZED,
    whoFixes: 'Role owner.',
    fix: `${VERIFY_CALLER}. If it is, find the cluster's issuer with \`aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text\`; the trusted provider must be \`arn:aws:iam::<account>:oidc-provider/<issuer without https://>\` and the condition keys must start with that issuer: ${UPDATE_TRUST}.`,
  },
  'oidc-provider-missing': {
    cause: 'oidc-provider-missing',
    meaning:
      "The cluster's OIDC issuer is not registered as an IAM OIDC identity provider in this account, so STS cannot validate any token of that cluster: every IRSA role of the cluster fails.",
    inThePod:
      '`An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://oidc.eks.<region>.amazonaws.com/id/<id>` (other SDKs: `InvalidIdentityToken: No OpenIDConnect provider found in your account for ...`; JavaScript v3 names it `InvalidIdentityTokenException`). The checker also gives this cause to an `AccessDenied` when the provider the role trusts is not registered at the time of the check (deleted since the call).',
    whoFixes: 'Cluster administrator (with IAM rights in the account).',
    fix: `${VERIFY_CALLER}: a call with an issuer the account never registered is logged too, and the checker never suggests registering the issuer it names. If the call came from one of your clusters, register that cluster's issuer as the cluster reports it: \`eksctl utils associate-iam-oidc-provider --cluster <cluster> --approve\`, or \`aws iam create-open-id-connect-provider --url $(aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text) --client-id-list sts.amazonaws.com\`. Check with \`aws iam list-open-id-connect-providers\`.`,
  },
  'sub-mismatch': {
    cause: 'sub-mismatch',
    meaning:
      "The trust policy's `<issuer>:sub` condition names another service account or namespace than the one the pod runs as (`system:serviceaccount:<namespace>:<serviceaccount>`), or tests the `sub` claim of another cluster's issuer. Or the caller is no pod of yours at all: anyone with a token of a registered issuer (a CI provider's) can call, with a `sub` of their choosing.",
    inThePod: NOT_AUTHORIZED,
    whoFixes:
      'Role owner for the trust policy; application team if the pod runs under the wrong service account.',
    fix: `Compare \`evidence.expected\` (what the role allows) with \`evidence.actual\` (what the call presented). ${VERIFY_CALLER}; a subject that is not \`system:serviceaccount:...\` (such as a CI provider's \`repo:<owner>/<repo>:...\`) is not a pod's, and the checker gives no correction for it. If the call is your pod's and its service account is right, ${FROM_YOUR_CLUSTER}: \`correction.trustPolicy\` adds \`system:serviceaccount:<namespace>:<serviceaccount>\` to the role's \`<issuer>:sub\` values (keeping the ones it has) for you to fill in; ${UPDATE_TRUST}. If the pod runs under the wrong service account, fix \`serviceAccountName\` in the pod spec; ${RESTART}.`,
  },
  'wildcard-under-string-equals': {
    cause: 'wildcard-under-string-equals',
    meaning:
      'The `sub` condition uses a wildcard (`system:serviceaccount:<namespace>:*`) under `StringEquals`, which compares literally: the `*` matches only a service account actually named `*`.',
    inThePod: NOT_AUTHORIZED,
    whoFixes: 'Role owner.',
    fix: `Either keep the wildcard and move the \`sub\` key under \`StringLike\` (keep \`<issuer>:aud\` under \`StringEquals\`), or list exactly the service accounts that use the role; \`correction\` does the former (the wildcard moved under \`StringLike\`, from the role's own values, nothing else changed); ${UPDATE_TRUST}.`,
  },
  'aud-mismatch': {
    cause: 'aud-mismatch',
    meaning:
      "The token's audience is not accepted: the trust policy's `<issuer>:aud` condition allows something other than `sts.amazonaws.com` (what EKS projects for IRSA), or the IAM OIDC provider does not list `sts.amazonaws.com` among its client IDs.",
    inThePod:
      'For a wrong `aud` condition, the generic `AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`; when the provider lacks the client ID, `An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience` (other SDKs: `InvalidIdentityToken: Incorrect token audience`)',
    whoFixes: 'Role owner for the condition; cluster administrator for the provider.',
    fix: `For the condition: \`"<issuer>:aud": "sts.amazonaws.com"\`, ${UPDATE_TRUST}. For the provider: \`aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn <provider-arn> --client-id sts.amazonaws.com\`.`,
  },
  'explicit-deny': {
    cause: 'explicit-deny',
    meaning:
      'A Deny statement in the trust policy matches this provider and service account; a Deny overrides every Allow.',
    inThePod: NOT_AUTHORIZED,
    whoFixes: 'Role owner, with whoever added the Deny (often a security team): the Deny may be intended.',
    fix: `Read the Deny statement named in \`evidence.detail\` (\`aws iam get-role --role-name <role> --query Role.AssumeRolePolicyDocument\`). If this service account must be allowed, narrow the Deny's conditions or remove it: ${UPDATE_TRUST}.`,
  },
  'invalid-token': {
    cause: 'invalid-token',
    meaning:
      "STS rejected the token itself before looking at the trust policy: its issuer, signature or audience does not fit the IAM OIDC provider (for example the provider's URL differs from the cluster's issuer, or the pod sent a token that is not the projected service account token).",
    inThePod:
      "`InvalidIdentityToken: <STS's reason>`, for example `Couldn't retrieve verification key from your identity provider` or, for a token projected for another audience, `Incorrect token audience`; rarer: `IDPRejectedClaim`, or `IDPCommunicationError` when STS cannot reach the issuer",
    whoFixes: 'Cluster administrator; application team if the pod mounts or builds its own token.',
    fix: "Read `evidence.errorMessage`. Compare the provider (`aws iam get-open-id-connect-provider --open-id-connect-provider-arn <provider-arn>`: URL and client IDs) with the cluster's issuer (`aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`). Check that the pod has `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE` set by the EKS Pod Identity Webhook: `kubectl exec <pod> -n <namespace> -- env | grep AWS_`.",
  },
  'expired-token': {
    cause: 'expired-token',
    meaning:
      'The pod presented a web identity token that had already expired: an SDK that read the token file once and cached it, a pod that sat idle past the token lifetime, or clock skew on the node.',
    inThePod:
      '`An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time <now> must be before the expiration date/time <exp>` (other SDKs: `ExpiredTokenException: Token expired: ...`)',
    whoFixes: 'Application team (SDK version); node owner for the clock.',
    fix: "Use an AWS SDK version that supports web identity credentials and re-reads `AWS_WEB_IDENTITY_TOKEN_FILE` on refresh (see `userAgents` in the evidence for the SDK in use), and don't cache credentials longer than the token lives; check the node's clock (`chronyc tracking`); restart the pods: `kubectl rollout restart deployment/<name> -n <namespace>`.",
  },
  unknown: {
    cause: 'unknown',
    meaning:
      'No cause could be worked out: the trust policy allows the call as far as the checker can evaluate it, or the role or the OIDC providers could not be read (`evidence.detail` says which). Denials the trust policy does not explain usually come from an organization policy (SCP or resource control policy), a condition the checker does not evaluate, or a stale annotation.',
    inThePod: NOT_AUTHORIZED,
    whoFixes:
      'Role owner first; the AWS Organizations administrator when an organization policy denies `sts:AssumeRoleWithWebIdentity`.',
    fix: "Read `evidence.detail`. If the role could not be read, fix the checker's `iam:GetRole` access and wait for the next run. Otherwise look up the call by `irsa.sampleEventIds` in CloudTrail (`aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventId,AttributeValue=<id>`), check service control and resource control policies for a Deny on `sts:AssumeRoleWithWebIdentity`, and compare the trust policy with `correction.trustPolicy` when there is one (see `correction.note`).",
  },
};

export function isDiagnosisCause(value: string): value is DiagnosisCause {
  return Object.hasOwn(CAUSE_CATALOGUE, value);
}

/** Escapes a cell of a Markdown table: no pipes, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The cause table, one row per cause, as Markdown (docs/checks.md and `tmc-health explain`). */
export function renderCauseTable(): string {
  return [
    '| Cause | What it means | How it shows in the pod | Who fixes it | The fix |',
    '| --- | --- | --- | --- | --- |',
    ...Object.values(CAUSE_CATALOGUE).map(
      (row) =>
        `| \`${row.cause}\` | ${cell(row.meaning)} | ${cell(row.inThePod)} | ${cell(row.whoFixes)} | ${cell(row.fix)} |`,
    ),
  ].join('\n');
}

/** One cause on its own, as Markdown: what `tmc-health explain <cause>` prints. */
export function explainCause(cause: DiagnosisCause): string {
  const row = CAUSE_CATALOGUE[cause];
  return [
    `### ${cause}`,
    '',
    `**A cause of \`irsa.assume-role.denied\`** (\`evidence.cause\`).`,
    '',
    `**What it means.** ${row.meaning}`,
    '',
    `**How it shows in the pod.** ${row.inThePod}`,
    '',
    `**Who fixes it.** ${row.whoFixes}`,
    '',
    `**The fix.** ${row.fix}`,
  ].join('\n');
}
