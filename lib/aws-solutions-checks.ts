import type { IConstruct } from 'constructs';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * jsii's switch for deprecation notices: `quiet` prints none. aws-cdk-lib reads it each time a deprecated API is
 * used, and notes each API as warned even when quiet.
 */
const JSII_DEPRECATED = 'JSII_DEPRECATED';

function withoutDeprecationNotices<T>(run: () => T): T {
  const before = process.env[JSII_DEPRECATED];
  process.env[JSII_DEPRECATED] = 'quiet';
  try {
    return run();
  } finally {
    if (before === undefined) delete process.env[JSII_DEPRECATED];
    else process.env[JSII_DEPRECATED] = before;
  }
}

/**
 * cdk-nag's AwsSolutions pack, every rule kept, without the deprecation notices its own rules cause: EventBusOpenAccess
 * reads `CfnEventBusPolicy#principal` (deprecated) on every bus policy, whatever the policy says, and the notice
 * would read as if this app used the API. Only the rules' run is quiet: the app's own use of deprecated APIs happens
 * while its constructs are built, before validation, and is still reported.
 */
export class AwsSolutionsChecksWithoutDeprecationNoise extends AwsSolutionsChecks {
  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    return withoutDeprecationNotices(() => super.validate(context));
  }

  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    return withoutDeprecationNotices(() => super.validateScope(scope));
  }
}
