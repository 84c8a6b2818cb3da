import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Production code explains its rules in its own words or points at a doc page: "issue 13" means nothing to a
 * reader of the code, who cannot look it up.
 */
const ROOT = path.join(__dirname, '..', '..');
const SOURCE_DIRS = ['lambdas', 'lib', 'bin', 'scripts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|sh)$/.test(entry.name) ? [full] : [];
  });
}

test('no production file cites an issue number', () => {
  const citations = SOURCE_DIRS.flatMap((dir) => sourceFiles(path.join(ROOT, dir))).flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        /\bissue (?:#)?\d+|\(#\d+\)/i.test(line)
          ? [`${path.relative(ROOT, file)}:${index + 1}: ${line.trim()}`]
          : [],
      ),
  );
  expect(citations).toEqual([]);
});

test('the rule catches a citation', () => {
  expect(/\bissue (?:#)?\d+|\(#\d+\)/i.test(' * Member mode (issue 13): ...')).toBe(true);
  expect(/\bissue (?:#)?\d+|\(#\d+\)/i.test(' * an issue with the token')).toBe(false);
});
