import {
  classifyFunction,
  MAX_CLASSIFIED_DESCRIPTION_CHARS,
  MAX_CLASSIFIED_NAME_CHARS,
} from '../../lambdas/core/classify';
import { DEFAULT_SETTINGS } from '../../lambdas/core/settings';

const patterns = DEFAULT_SETTINGS;

describe('classifyFunction', () => {
  it('classifies by name first, then by description', () => {
    expect(classifyFunction({ name: 'tmc-data-sync' }, patterns)).toBe('data-sync');
    expect(classifyFunction({ name: 'renamed', description: 'TMC resource retriever' }, patterns)).toBe(
      'resource-retriever',
    );
    expect(classifyFunction({ name: 'other', description: 'something else' }, patterns)).toBeUndefined();
  });

  it('tests only as many characters of a name and a description as Lambda allows', () => {
    const padding = (length: number) => 'x'.repeat(length);
    expect(
      classifyFunction({ name: `${padding(MAX_CLASSIFIED_NAME_CHARS)}data-sync` }, patterns),
    ).toBeUndefined();
    expect(
      classifyFunction(
        { name: 'renamed', description: `${padding(MAX_CLASSIFIED_DESCRIPTION_CHARS)}data-sync` },
        patterns,
      ),
    ).toBeUndefined();
    expect(
      classifyFunction(
        { name: 'renamed', description: `${padding(MAX_CLASSIFIED_DESCRIPTION_CHARS - 9)}data-sync` },
        patterns,
      ),
    ).toBe('data-sync');
  });
});
