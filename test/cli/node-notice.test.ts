import { MIN_NODE_MAJOR, nodeNotice } from '../../lambdas/cli/node-notice';

describe('the CLI notice on a Node below the floor', () => {
  test.each(['v20.20.2', 'v18.0.0', 'v21.99.99'])(
    '%s: named, with what to install, every line within 80 columns',
    (version) => {
      const notice = nodeNotice(version);
      expect(notice).toContain(version);
      expect(notice).toContain(`Node.js ${MIN_NODE_MAJOR} or later`);
      const lines = notice!.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    },
  );

  test.each(['v22.0.0', 'v24.22.3', 'v30.1.0'])('%s: nothing', (version) => {
    expect(nodeNotice(version)).toBeUndefined();
  });
});
