/**
 * Several kernel implementations (AIConfigurator `kernel_source`) are
 * measured per shape; a tuned engine runs the fastest one, so by default the
 * fastest is kept per shape and dtype, and which one won is counted.
 */
export interface Candidate<T> {
  key: string
  latencyUs: number
  kernelSource: string
  item: T
}

export interface Selection<T> {
  chosen: Candidate<T>[]
  selection: string
  kernelSources: Record<string, number>
}

/**
 * One candidate per key: the fastest, or with `wanted` (and rows of that
 * implementation present) only that implementation's rows. Output keeps the
 * order in which keys were first seen.
 */
export function fastestPerKey<T>(candidates: readonly Candidate<T>[], wanted?: string): Selection<T> {
  const only = wanted !== undefined && candidates.some((c) => c.kernelSource === wanted)
  const pool = only ? candidates.filter((c) => c.kernelSource === wanted) : candidates
  const best = new Map<string, Candidate<T>>()
  for (const c of pool) {
    if (!(c.latencyUs > 0)) continue
    const prev = best.get(c.key)
    if (!prev || c.latencyUs < prev.latencyUs) best.set(c.key, c)
  }
  const kernelSources: Record<string, number> = {}
  for (const c of best.values()) kernelSources[c.kernelSource] = (kernelSources[c.kernelSource] ?? 0) + 1
  return {
    chosen: [...best.values()],
    selection: only ? `kernel_source ${wanted} (--kernel-source)` : 'fastest kernel_source per shape and dtype',
    kernelSources,
  }
}

/** Rows kept per implementation. */
export function countSources(list: readonly {kernelSource: string}[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of list) counts[c.kernelSource] = (counts[c.kernelSource] ?? 0) + 1
  return counts
}
