/**
 * DataLoader batches answer in the order of their keys. These index the rows once (a Map), so a
 * batch of n keys over m rows costs n + m, not n × m: a list of 500 Stages resolving a field
 * through a loader must not scan every row for every Stage.
 */

/** The rows of each key, in the order of `keys` (an empty list for a key no row has). */
export function groupInOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const byKey = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = byKey.get(key);
    if (group) group.push(row);
    else byKey.set(key, [row]);
  }
  return keys.map((key) => byKey.get(key) ?? []);
}

/** The row of each key, in the order of `keys` (null for a key no row has; the first row wins). */
export function oneInOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const row of rows) {
    const key = keyOf(row);
    if (!byKey.has(key)) byKey.set(key, row);
  }
  return keys.map((key) => byKey.get(key) ?? null);
}
