/**
 * Memo of the frequent MFU lookups. Table lookups are pure in (tables,
 * lookup environment, table, query), so a sweep pays for each query once.
 *
 * Keys are numbers in nested maps, reached without building a string per
 * lookup: building and hashing string keys (with numbers printed into them)
 * cost a large share of a sweep. One memo serves every resolver with the
 * same tables and environment; the last one found is kept at hand, since a
 * sweep builds a resolver per simulation, mostly with the environment of the
 * one before.
 */
import type {LookupEnv} from './resolver.js'
import type {TableSet} from './types.js'

/** Numbers in, the next level (or at the last level the lookup; null where none was found). */
export type NumberMemo = Map<number, unknown>

/** The memo one level down from `map` at `key`, made when missing. */
export function level(map: NumberMemo, key: number): NumberMemo {
  let next = map.get(key) as NumberMemo | undefined
  if (!next) {
    next = new Map()
    map.set(key, next)
  }
  return next
}

/**
 * A memo of answers per table set and string key, undefined answers kept too:
 * an answer pure in the tables and the key is worked out once per table set.
 * @example
 * const memo = tableSetMemo<number>()
 * memo(tables, 'gemm/h100-sxm/bf16.csv', () => 42) // 42, computed; the next call with that key reads it
 */
export function tableSetMemo<T>(): (tables: TableSet, key: string, compute: () => T) => T {
  const byTables = new WeakMap<TableSet, Map<string, T>>()
  return (tables, key, compute) => {
    let cache = byTables.get(tables)
    if (!cache) byTables.set(tables, (cache = new Map()))
    if (cache.has(key)) return cache.get(key) as T
    const value = compute()
    cache.set(key, value)
    return value
  }
}

export type LookupKind = 'gemm' | 'decodeAttention' | 'prefillAttention' | 'groupedGemm' | 'wideEp'

/** The memos of one table set under one lookup environment: per lookup kind, per table path. */
export class LookupMemo {
  private readonly byKind = new Map<LookupKind, Map<string, NumberMemo>>()

  /** The memo of one kind of lookup in the table at `path`. */
  table(kind: LookupKind, path: string): NumberMemo {
    let byPath = this.byKind.get(kind)
    if (!byPath) {
      byPath = new Map()
      this.byKind.set(kind, byPath)
    }
    let memo = byPath.get(path)
    if (!memo) {
      memo = new Map()
      byPath.set(path, memo)
    }
    return memo
  }
}

/** A table set's memos by environment, and the last one asked for. */
interface TablesMemos {
  byEnv: Map<string, LookupMemo>
  last?: {interpolated: boolean; memBw?: number; gemmDtype?: string; memo: LookupMemo}
}

const memosByTables = new WeakMap<TableSet, TablesMemos>()

/**
 * The memo for lookups in `tables`; `env` is the environment interpolated
 * values depend on (bandwidth, GEMM dtype), undefined for nearest-point
 * lookups, which do not depend on it.
 */
export function lookupMemo(tables: TableSet, env: LookupEnv | undefined): LookupMemo {
  let memos = memosByTables.get(tables)
  if (!memos) {
    memos = {byEnv: new Map()}
    memosByTables.set(tables, memos)
  }
  const interpolated = env !== undefined
  const memBw = env?.memBw
  const gemmDtype = env?.gemmDtype
  const last = memos.last
  if (last && last.interpolated === interpolated && last.memBw === memBw && last.gemmDtype === gemmDtype) return last.memo
  const key = interpolated ? `${memBw}|${gemmDtype}` : 'nearest'
  let memo = memos.byEnv.get(key)
  if (!memo) {
    memo = new LookupMemo()
    memos.byEnv.set(key, memo)
  }
  memos.last = {interpolated, memBw, gemmDtype, memo}
  return memo
}
