import fc from 'fast-check';
import { scanJsonArray, type JsonArrayLimits } from '../../lambdas/core/json-shape';

const roomy: JsonArrayLimits = { maxItems: 1_000_000, maxDepth: 64, maxElementBytes: 1_000_000 };

describe('scanJsonArray', () => {
  it.each([
    ['[]', 0, 1],
    ['  [ ] ', 0, 1],
    ['[{}]', 1, 2],
    ['[{},{},{}]', 3, 6],
    ['[1, "a,b", [2, 3], {"k": "]"}]', 4, 7],
    ['["quote \\" , [ {", "back\\\\", 3]', 3, 3],
  ])('%s: %i elements, %i items', (text, elements, items) => {
    expect(scanJsonArray(text, roomy)).toEqual({ ok: true, elements, items, complete: true });
  });

  it('text JSON.parse refuses is left to it: truncated arrays say so, a non-array is refused', () => {
    expect(scanJsonArray('[{', roomy)).toMatchObject({ ok: true, complete: false });
    expect(scanJsonArray('{"a": 1}', roomy)).toEqual({ ok: false, problem: 'is not an array' });
    expect(scanJsonArray('  ', roomy)).toEqual({ ok: false, problem: 'is not an array' });
    expect(scanJsonArray('[] trailing', roomy)).toMatchObject({ ok: true, elements: 0 });
  });

  it('stops at the first limit passed: items, depth, one element too long', () => {
    const bomb = `[${'{},'.repeat(999)}{}]`;
    expect(scanJsonArray(bomb, { ...roomy, maxItems: 100 })).toEqual({
      ok: false,
      problem: 'has more than 100 items',
    });
    expect(scanJsonArray('[[[[1]]]]', { ...roomy, maxDepth: 3 })).toEqual({
      ok: false,
      problem: 'is nested deeper than 3 levels',
    });
    expect(scanJsonArray('[1, "abcdefghij", 2]', { ...roomy, maxElementBytes: 10 })).toEqual({
      ok: false,
      problem: 'has an element (index 1) of more than 10 bytes',
    });
    expect(scanJsonArray('[1, "abcdefgh", 2]', { ...roomy, maxElementBytes: 10 })).toMatchObject({
      ok: true,
    });
    // UTF-8 bytes, as EventBridge counts them: é takes 2, an emoji 4, an escape as written.
    const fits = (text: string) => scanJsonArray(text, { ...roomy, maxElementBytes: 10 }).ok;
    expect([fits('["éééé"]'), fits('["ééééé"]')]).toEqual([true, false]);
    expect([fits('["😀😀"]'), fits('["😀😀😀"]')]).toEqual([true, false]);
    expect([fits('["\\n\\n\\n\\n"]'), fits('["\\n\\n\\n\\n\\n"]')]).toEqual([true, false]);
  });

  it('agrees with JSON.parse on any JSON array: its length, never fewer items than values past the first', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 4 })), fc.boolean(), (values, pretty) => {
        const text = JSON.stringify(values, null, pretty ? 2 : undefined);
        const shape = scanJsonArray(text, roomy);
        if (!shape.ok) return false;
        const parsed = JSON.parse(text) as unknown[];
        // Every container and every comma: at least half of the values JSON.parse creates.
        return shape.complete && shape.elements === parsed.length && 2 * shape.items >= countValues(parsed);
      }),
      { numRuns: 300 },
    );
  });
});

describe('scanJsonArray: element sizes', () => {
  it("measures each element's UTF-8 bytes exactly as Buffer.byteLength does (compact JSON)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1 }), (values) => {
        const largest = Math.max(...values.map((value) => Buffer.byteLength(JSON.stringify(value))));
        const text = JSON.stringify(values);
        const at = (maxElementBytes: number) => scanJsonArray(text, { ...roomy, maxElementBytes }).ok;
        return at(largest) && !at(largest - 1);
      }),
      { numRuns: 300 },
    );
  });
});

function countValues(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((sum: number, item) => sum + countValues(item), 0);
  if (typeof value === 'object' && value !== null)
    return 1 + Object.values(value).reduce((sum: number, item) => sum + countValues(item), 0);
  return 1;
}
