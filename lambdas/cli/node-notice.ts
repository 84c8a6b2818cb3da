/** package.json's engines floor. */
export const MIN_NODE_MAJOR = 22;

/**
 * What the CLI prints once on a Node below the floor, instead of the SDK's 7-line notice on every command; each
 * line fits 80 columns like the rest of the CLI's output. `undefined` on a supported Node.
 */
export function nodeNotice(version: string): string | undefined {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (!(major < MIN_NODE_MAJOR)) return undefined;
  return (
    `tmc-health: Node.js ${version} is below ${MIN_NODE_MAJOR}; the AWS SDK drops it in January 2027.\n` +
    `tmc-health: install Node.js ${MIN_NODE_MAJOR} or later (24 recommended).\n`
  );
}
