import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { addStackOutputs } from './stack-outputs';

export interface MemberStackSetProps {
  /** The StackSet's name (its stack instances are named `StackSet-<name>-<id>`); the `MemberStackSetName` output. */
  readonly stackSetName: string;
  /** What the StackSet deploys, for its description. */
  readonly description: string;
  /** The member template (an S3 URL the deploying account can read). */
  readonly templateUrl: string;
  /** The OUs (or the root) whose accounts get a stack instance, now and when they join later. */
  readonly organizationalUnitIds: readonly string[];
  /** The regions each account gets an instance in. */
  readonly regions: readonly string[];
  /** Template parameters, the same for every instance. */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The StackSet that rolls the member stack out to the organization: service-managed permissions (AWS
 * Organizations creates the execution roles, nothing to prepare in member accounts) and automatic deployment:
 * an account that joins one of the OUs gets its instances, an account that leaves loses them (not retained). The
 * hub account is a delegated administrator for StackSets (docs/organizations.md), so it calls as one.
 */
export class MemberStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id);
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName,
      description: props.description,
      permissionModel: 'SERVICE_MANAGED',
      callAs: 'DELEGATED_ADMIN',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The member stack creates IAM roles (unnamed).
      capabilities: ['CAPABILITY_IAM'],
      // Operations queue instead of failing while another one runs (e.g. an auto-deployment during an update).
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
      parameters: Object.entries(props.parameters).map(([parameterKey, parameterValue]) => ({
        parameterKey,
        parameterValue,
      })),
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.organizationalUnitIds] },
          regions: [...props.regions],
        },
      ],
      templateUrl: props.templateUrl,
    });
    addStackOutputs(this, {
      MemberStackSetName: [
        props.stackSetName,
        'aws cloudformation list-stack-instances --call-as DELEGATED_ADMIN --stack-set-name <name>',
      ],
    });
  }
}
