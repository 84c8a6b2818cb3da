import { Stack, Token } from 'aws-cdk-lib';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { eventSchemaDocuments } from '../../lambdas/core/lifecycle/event-schemas';

/** EventBridge's limit on registry names. */
export const MAX_REGISTRY_NAME_LENGTH = 64;

/** `<stack name>-events`, reduced to the characters and length a registry name allows. */
export function registryName(stackName: string): string {
  const base = stackName.replace(/[^A-Za-z0-9._-]/g, '-');
  return `${base.slice(0, MAX_REGISTRY_NAME_LENGTH - '-events'.length)}-events`;
}

/**
 * An EventBridge Schema Registry holding the documents of the events the checkers publish (finding, run summary,
 * remediation), so consumers can browse them and generate code bindings. The documents come from the same zod
 * schemas the functions are tested against (lambdas/core/lifecycle/event-schemas.ts).
 */
export class EventSchemas extends Construct {
  readonly registry: eventschemas.CfnRegistry;
  readonly schemas: eventschemas.CfnSchema[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      // A token stack name (rare) leaves the name to CloudFormation.
      registryName: Token.isUnresolved(stackName) ? undefined : registryName(stackName),
      description: 'Events published by tmc-health-checker (source tmc-health)',
    });
    this.schemas = eventSchemaDocuments().map(
      ({ spec, document }) =>
        new eventschemas.CfnSchema(this, `${spec.name.split('@').pop() ?? spec.name}Schema`, {
          // attrRegistryName (not the literal) so each schema depends on the registry.
          registryName: this.registry.attrRegistryName,
          schemaName: spec.name,
          type: 'JSONSchemaDraft4',
          description: `${spec.detailType}: ${spec.description}`,
          content: JSON.stringify(document),
        }),
    );
  }
}
