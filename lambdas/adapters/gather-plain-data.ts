/** Keeps the snapshot free of `key: undefined`, so it serialises and compares the same as it reads. */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
