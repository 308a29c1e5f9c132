// Properties of the default profile's lookups, for every quantity a family may blend: exact at measured points,
// between the bracketing rows inside the grid, monotone where the table is, never NaN. On the bundled InferSim
// tables (H20, H800) in full, and on a sample of every other bundled table for NaN and range.
import {describe, expect, it} from 'vitest'
import {loadGpus} from '../../src/io/gpus.js'
import {loadTableSet} from '../../src/io/tables.js'
import {effectiveRates, findGpu} from '../../src/hardware/gpu.js'
import {createInterpolator, familyOfPath, KERNEL_FAMILIES, type KernelFamily, type Quantity} from '../../src/tables/interpolate/index.js'
import type {Interpolator, LookupEnv} from '../../src/tables/resolver.js'
import {FAMILY_LOO, groupedGemmKeyOf} from '../../src/tables/score-families.js'
import {gpuKeyOfPath} from '../../src/tables/score.js'
import {num, type KernelTable, type MfuLookup, type TableRow} from '../../src/tables/types.js'

const tables = loadTableSet(undefined, ['h20', 'h800'])
const everyTable = loadTableSet()
const gpus = loadGpus()
const envOf = (path: string): LookupEnv => {
  const g = findGpu(gpus, gpuKeyOfPath(path))
  return {memBw: g ? effectiveRates(g).memBw : 3000}
}
const mfuTables = tables.paths().filter((p) => familyOfPath(p)).map((p) => tables.get(p)!)

/** One lookup at a row's coordinates, with `axis` moved to `x`. */
function lookupAt(interp: Interpolator, t: KernelTable, row: TableRow, axis: string | undefined, x: number, ts = tables): MfuLookup | undefined {
  const v = (c: string) => (c === axis ? x : num(row, c))
  const env = envOf(t.path)
  const family = familyOfPath(t.path)!
  if (family === 'gemm') return interp.gemm(ts, t.path, v('m'), v('k'), v('n'), env)
  if (family.endsWith('decode') && !family.startsWith('moe')) return interp.decodeAttention(ts, t.path, v('batch_size'), v('kv_len'), row.values.kv_dtype === 'fp8', env)
  if (family.endsWith('prefill') && !family.startsWith('moe')) return interp.prefillAttention(ts, t.path, v('seq_len'), env)
  const phase = family === 'moe-decode' ? 'decode' : 'prefill'
  return interp.groupedGemm(ts, t.path, phase, groupedGemmKeyOf(row), v(phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu'), env)
}

/** 1-D lines of a table: rows sharing every coordinate but `axis`, sorted along it. */
function lines(t: KernelTable): {axis: string; rows: TableRow[]}[] {
  const family = familyOfPath(t.path)!
  const cols = FAMILY_LOO[family].pointColumns
  const axes = family === 'gemm' ? ['m'] : family.startsWith('moe') ? [cols[cols.length - 1]] : family.endsWith('decode') ? ['batch_size', 'kv_len'] : ['seq_len']
  const out: {axis: string; rows: TableRow[]}[] = []
  for (const axis of axes) {
    const groups = new Map<string, TableRow[]>()
    for (const r of t.rows) {
      const key = cols.filter((c) => c !== axis).map((c) => r.values[c]).join('|')
      const g = groups.get(key)
      if (g) g.push(r)
      else groups.set(key, [r])
    }
    for (const rows of groups.values()) {
      const sorted = [...rows].sort((a, b) => num(a, axis) - num(b, axis))
      // Duplicated coordinates make the line ambiguous: keep lines of distinct points only.
      if (new Set(sorted.map((r) => num(r, axis))).size === sorted.length && sorted.length >= 2) out.push({axis, rows: sorted})
    }
  }
  return out
}

/**
 * GEMM rows read at a larger row's time: more than 1.3x slower than a row of more tokens at the same (k, n)
 * (the glitch rule, test/tables/gemm-glitch.test.ts), found here from the rows themselves.
 */
function slowerThanMoreTokens(t: KernelTable): Set<number> {
  const out = new Set<number>()
  if (familyOfPath(t.path) !== 'gemm') return out
  for (const r of t.rows) {
    const later = t.rows.filter((o) => num(o, 'k') === num(r, 'k') && num(o, 'n') === num(r, 'n') && num(o, 'm') > num(r, 'm') && num(o, 'latency_us') > 0)
    if (later.some((o) => num(r, 'latency_us') > 1.3 * num(o, 'latency_us'))) out.add(r.line)
  }
  return out
}

const QUANTITIES: Quantity[] = ['mfu', 'latency', 'utilisation']
const only = (q: Quantity) => createInterpolator(Object.fromEntries(KERNEL_FAMILIES.map((f) => [f, q])) as Record<KernelFamily, Quantity>)

describe.each(QUANTITIES)('interpolation blending %s', (quantity) => {
  const interp = only(quantity)

  it('returns the measured value at every measured point', () => {
    let checked = 0
    for (const t of mfuTables) {
      const loo = FAMILY_LOO[familyOfPath(t.path)!]
      const key = (r: TableRow) => loo.pointColumns.map((c) => r.values[c]).join('|')
      const counts = new Map<string, number>()
      for (const r of t.rows) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
      const replaced = slowerThanMoreTokens(t)
      for (const r of t.rows) {
        if (counts.get(key(r))! > 1 || !(loo.truth(r) > 0) || replaced.has(r.line)) continue
        const got = lookupAt(interp, t, r, undefined, 0)!
        expect(got.kind, `${t.path}:${r.line}`).toBe('exact')
        expect(got.value, `${t.path}:${r.line}`).toBe(loo.truth(r))
        expect(got.lines).toEqual([r.line])
        checked++
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })

  it('stays between the two measured neighbours inside the grid, and is monotone where the table is', () => {
    let between = 0
    let monotone = 0
    for (const t of mfuTables) {
      const truth = FAMILY_LOO[familyOfPath(t.path)!].truth
      for (const {axis, rows} of lines(t)) {
        if (rows.some((r) => !(truth(r) > 0))) continue
        const xs: number[] = []
        const ys: number[] = []
        for (let i = 0; i + 1 < rows.length; i++) {
          const [a, b] = [num(rows[i], axis), num(rows[i + 1], axis)]
          const [lo, hi] = [Math.min(truth(rows[i]), truth(rows[i + 1])), Math.max(truth(rows[i]), truth(rows[i + 1]))]
          for (const f of [0.1, 0.3, 0.5, 0.7, 0.9]) {
            const x = a * (b / a) ** f
            const got = lookupAt(interp, t, rows[i], axis, x)!
            expect(got.kind, `${t.path} ${axis}=${x}`).toBe('interpolated')
            expect(got.value, `${t.path}:${rows[i].line} ${axis}=${x}`).toBeGreaterThanOrEqual(lo - 1e-12)
            expect(got.value, `${t.path}:${rows[i].line} ${axis}=${x}`).toBeLessThanOrEqual(hi + 1e-12)
            xs.push(x)
            ys.push(got.value)
            between++
          }
        }
        const measured = rows.map(truth)
        const up = measured.every((v, i) => i === 0 || v >= measured[i - 1])
        const down = measured.every((v, i) => i === 0 || v <= measured[i - 1])
        if (!up && !down) continue
        for (let i = 1; i < ys.length; i++) {
          if (up) expect(ys[i], `${t.path} along ${axis} at ${xs[i]}`).toBeGreaterThanOrEqual(ys[i - 1] - 1e-12)
          else expect(ys[i], `${t.path} along ${axis} at ${xs[i]}`).toBeLessThanOrEqual(ys[i - 1] + 1e-12)
        }
        monotone++
      }
    }
    expect(between).toBeGreaterThan(1000)
    expect(monotone).toBeGreaterThan(20)
  })

  it('never returns NaN, zero or more than 1, inside or far outside the grid', () => {
    let seed = 12345
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const logUniform = (lo: number, hi: number) => Math.round(lo * (hi / lo) ** rand())
    const others = everyTable.paths().filter((p) => familyOfPath(p) && !tables.has(p))
    const sample = [...mfuTables, ...others.filter((_, i) => i % 7 === 0).map((p) => everyTable.get(p)!)]
    for (const t of sample) {
      for (let i = 0; i < 20; i++) {
        const row = t.rows[Math.floor(rand() * t.rows.length)]
        const family = familyOfPath(t.path)!
        const axis = family === 'gemm' ? 'm' : family.startsWith('moe') ? FAMILY_LOO[family].pointColumns.at(-1)! : family.endsWith('decode') ? (rand() < 0.5 ? 'batch_size' : 'kv_len') : 'seq_len'
        const got = lookupAt(interp, t, row, axis, logUniform(1, 1 << 22), everyTable)
        expect(got, `${t.path}`).toBeDefined()
        expect(Number.isFinite(got!.value)).toBe(true)
        expect(got!.value).toBeGreaterThan(0)
        expect(got!.value).toBeLessThanOrEqual(1)
      }
    }
    for (let i = 0; i < 300; i++) {
      const gemm = interp.gemm(tables, 'gemm/h20/data.csv', logUniform(1, 1 << 20), logUniform(64, 1 << 17), logUniform(64, 1 << 17), {memBw: 3277})
      if (gemm) expect(gemm.value > 0 && gemm.value <= 1).toBe(true)
      const heads = 2 ** Math.floor(rand() * 8)
      const dec = interp.decodeAttention(tables, `mha/decode/h20/${heads}-${Math.max(1, heads / 4)}-128.csv`, logUniform(1, 4096), logUniform(1, 1 << 20), false, {memBw: 3277})
      if (dec) expect(dec.value > 0 && dec.value <= 1).toBe(true)
    }
  })
})
