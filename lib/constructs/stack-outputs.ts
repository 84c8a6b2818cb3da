import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** An output's value and what it is for (`cdk deploy` prints both). */
export type OutputValue = readonly [value: string, description: string];

/**
 * Adds outputs to the stack of `scope`, whichever construct adds them: an output's name is read by people and
 * scripts (`aws cloudformation describe-stacks`, the docs), so it stays the bare name whatever construct owns it.
 */
export function addStackOutputs(scope: Construct, outputs: Readonly<Record<string, OutputValue>>): void {
  const stack = Stack.of(scope);
  for (const [name, [value, description]] of Object.entries(outputs)) {
    new CfnOutput(stack, name, { value, description });
  }
}
