/**
 * Prefill tables have one row per sequence length, but AIConfigurator
 * measures each length at several batch sizes. The simulator runs
 * ceil(P/isl) prefills per forward, so the row that matches it best is the
 * batch nearest P/isl (log distance; ties to the larger batch), with the
 * latency divided per request.
 */
export function pickPrefillBatch<T extends {item: {batch: number; len: number}}>(list: readonly T[], tokens: number): T[] {
  const byLen = new Map<string, T>()
  for (const c of list) {
    const key = groupKey(c.item)
    const prev = byLen.get(key)
    if (!prev || better(c.item, prev.item, tokens)) byLen.set(key, c)
  }
  return [...byLen.values()]
}

/** Everything but the batch identifies a prefill row's group (len plus any other fields). */
function groupKey(item: {batch: number; len: number}): string {
  const {batch: _batch, ...rest} = item as Record<string, unknown>
  return JSON.stringify(rest)
}

function better(a: {batch: number; len: number}, b: {batch: number; len: number}, tokens: number): boolean {
  const want = Math.max(1, tokens / a.len)
  const da = Math.abs(Math.log2(a.batch / want))
  const db = Math.abs(Math.log2(b.batch / want))
  return da < db - 1e-9 || (Math.abs(da - db) <= 1e-9 && a.batch > b.batch)
}
