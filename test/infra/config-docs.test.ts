import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_KEYS } from '../../lib/config/config';

const DOC = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');

/** The first cell of each row of the "## Keys" table. */
function documentedKeys(): string[] {
  const section = DOC.split('\n## Keys\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `(\w+)` /gm)].map((match) => match[1] ?? '');
}

test('docs/configuration.md documents exactly the configuration keys, in schema order', () => {
  expect(documentedKeys()).toEqual([...CONFIG_KEYS]);
});
