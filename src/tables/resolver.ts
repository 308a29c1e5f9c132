/**
 * One place that answers "what MFU does this kernel reach": picks the lookup
 * method the profile asks for (nearest point or interpolation), falls back
 * when no table covers the query, and records provenance and warnings.
 */
import {
  nearestDecodeAttentionMfu,
  nearestGdnLatency,
  nearestGemmMfu,
  nearestGroupedGemmDecodeMfu,
  nearestGroupedGemmPrefillMfu,
  nearestPrefillAttentionMfu,
  nearestRowMfu,
  type GdnLatency,
  type GroupedGemmKey,
} from './nearest.js'
import {lookupCollective, type CollectiveOp, type CommLookup} from './comm-lookup.js'
import {effectiveRates, gpuNodeSize, gpuTableKey, type GpuSpec} from '../hardware/gpu.js'
import {carriedMfu, donorPeak, sameLinks} from './donor.js'
import {gdnDonor} from './gdn-borrow.js'
import {largerHeads} from './larger-heads.js'
import {dtypeTablePath} from './interpolate/lookup.js'
import {level, lookupMemo, tableSetMemo, type LookupMemo, type NumberMemo} from './lookup-memo.js'
import {tablePaths, type Phase} from './paths.js'
import type {KernelTable, MfuLookup, SimWarning, TableSet} from './types.js'

/** The work of one kernel call, for the roofline fallback (the rooflineFallback switch). */
export interface KernelWork {
  flops: number
  bytes: number
  /** Peak FLOP/s in TFLOP/s for this kernel's dtype. */
  peakTflops: number
}

export interface ResolverOptions {
  tables: TableSet
  /** Lower-cased GPU name: the bench_data folder. */
  gpuKey: string
  defaultMfu: number
  /** Effective memory bandwidth, GB/s. */
  memBw: number
  interpolate: boolean
  rooflineFallback: boolean
  /** Interpolating lookups, supplied by the interpolation module when the profile uses them. */
  interpolator?: Interpolator
  /** Dtype of GEMM operands (interpolation reads gemm/<gpu>/<dtype>.csv when present). */
  gemmDtype?: GemmDtype
  /** Where this GPU has no table, the GPU whose tables stand in (its GPU file's tablesFrom; src/tables/donor.ts). */
  donor?: {gpu: GpuSpec; of: GpuSpec; resolver: MfuResolver; memBw: number}
}

/** GEMM table families: bf16, fp8, nvfp4 (fp4 tensor cores), int4 (weight-only 4-bit, bf16 math). */
export type GemmDtype = 'fp8' | 'bf16' | 'nvfp4' | 'int4'

/** Bytes per weight of a GEMM dtype (bf16 when none is given). */
export const weightBytesOf = (env: LookupEnv) => (env.gemmDtype === 'fp8' ? 1 : env.gemmDtype === 'nvfp4' || env.gemmDtype === 'int4' ? 0.5 : 2)

/** What an interpolating lookup needs beyond the table: the GPU's bandwidth (roofline) and the GEMM dtype. */
export interface LookupEnv {
  /** Effective memory bandwidth, GB/s counted as GiB/s (as the simulator counts it). */
  memBw?: number
  gemmDtype?: GemmDtype
}

export interface Interpolator {
  gemm(tables: TableSet, path: string, m: number, k: number, n: number, env?: LookupEnv): MfuLookup | undefined
  decodeAttention(tables: TableSet, path: string, batch: number, kvLen: number, fp8Kv: boolean, env?: LookupEnv): MfuLookup | undefined
  prefillAttention(tables: TableSet, path: string, seqLen: number, env?: LookupEnv): MfuLookup | undefined
  groupedGemm(tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env?: LookupEnv): MfuLookup | undefined
  /** One GPU of an expert-parallel group from a wide-EP table (one per routing distribution). */
  wideEp(tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env?: LookupEnv): MfuLookup | undefined
}

/** How much slower than its BF16 rows a table's FP8-KV decode rows may be before the result says so. */
export const FP8_KV_SLOWER = 1.25

/** How much slower than a configuration with more query heads (atMostLargerHeads) a table's rows may be before the result says so. */
export const FEWER_HEADS_SLOWER = 1.25

/** Table lookups are pure in (tables, query): memoized per TableSet so sweeps pay for each query once. */
const memo = tableSetMemo<MfuLookup | undefined>()
const firstFound = tableSetMemo<unknown>()

/** The lookup memoized at (a, b, c) below `memo`, computed on the first query (null stored where none was found). */
function memoNumbers(memo: NumberMemo, a: number, b: number, c: number, compute: () => MfuLookup | undefined): MfuLookup | undefined {
  const last = level(level(memo, a), b)
  const hit = last.get(c) as MfuLookup | null | undefined
  if (hit !== undefined) return hit ?? undefined
  const value = compute()
  last.set(c, value ?? null)
  return value
}

/** A grouped-GEMM table's memo for one MoE shape (experts, GPUs, local experts, top-k); hidden, width and tokens go below. */
const groupedGemmMemo = (table: NumberMemo, key: GroupedGemmKey) => level(level(level(level(table, key.experts), key.gpus), key.localExperts), key.topk)

/** A GPU's resolver options: its folder, default efficiency and effective bandwidth, with `common`'s lookup method. */
function resolverOptions(gpu: GpuSpec, common: Omit<ResolverOptions, 'gpuKey' | 'defaultMfu' | 'memBw' | 'donor'>, donor?: ResolverOptions['donor']): ResolverOptions {
  return {
    tables: common.tables,
    gpuKey: gpuTableKey(gpu.name),
    defaultMfu: gpu.defaultMfu,
    memBw: effectiveRates(gpu).memBw,
    interpolate: common.interpolate,
    rooflineFallback: common.rooflineFallback,
    interpolator: common.interpolator,
    gemmDtype: common.gemmDtype,
    donor,
  }
}

export class MfuResolver {
  readonly warnings: SimWarning[]
  private readonly options: ResolverOptions
  private readonly env: LookupEnv

  private readonly memo: LookupMemo
  /** The GEMM table and its memo, found once per resolver (one simulation makes a dozen GEMM lookups). */
  private gemmPath?: string
  private gemmMemo?: NumberMemo
  /** Tables whose FP8-KV decode rows were found much slower than their BF16 rows (fp8KvAtMostBf16). */
  private readonly fp8KvSlower = new Set<string>()
  /** Tables found much slower than the configuration with more query heads (atMostLargerHeads). */
  private readonly fewerHeadsSlower = new Set<string>()

  /**
   * The resolver of one GPU's lookups: its tables, bandwidth and default
   * efficiency, and where its GPU file names one (tablesFrom), its table
   * donor's, which answer from the donor's tables at the donor's bandwidth.
   * The donor's own fallbacks are not this GPU's: the lookup falls back here
   * instead.
   */
  static forGpu(gpu: GpuSpec, options: Omit<ResolverOptions, 'gpuKey' | 'defaultMfu' | 'memBw' | 'donor'>): MfuResolver {
    // One literal, not a spread and more properties: on Node 20 that costs microseconds, most of a simulation.
    const of = gpu.tableDonor
    const donor = of && {gpu, of, memBw: effectiveRates(of).memBw, resolver: new MfuResolver(resolverOptions(of, options))}
    return new MfuResolver(resolverOptions(gpu, options, donor))
  }

  /** `warnings`: where fallbacks are reported (a sibling's, withGemmDtype). */
  constructor(options: ResolverOptions, warnings: SimWarning[] = []) {
    this.options = options
    this.warnings = warnings
    this.env = {memBw: options.memBw, gemmDtype: options.gemmDtype}
    // Interpolated values depend on the bandwidth and GEMM dtype too.
    this.memo = lookupMemo(options.tables, this.interpolates() ? this.env : undefined)
  }

  /** The same lookups for GEMMs of another dtype (a group of a model's GEMMs kept in another format); its fallbacks are reported with this resolver's. */
  withGemmDtype(gemmDtype: GemmDtype): MfuResolver {
    if (gemmDtype === this.options.gemmDtype) return this
    const d = this.options.donor
    return new MfuResolver({...this.options, gemmDtype, ...(d ? {donor: {...d, resolver: d.resolver.withGemmDtype(gemmDtype)}} : {})}, this.warnings)
  }

  gemm(m: number, k: number, n: number, work?: KernelWork): MfuLookup {
    const path = (this.gemmPath ??= tablePaths.gemm(this.options.gpuKey))
    const interpolating = this.interpolates()
    this.gemmMemo ??= this.memo.table('gemm', path)
    const found = memoNumbers(this.gemmMemo, k, n, m, () => {
      if (interpolating) return this.options.interpolator!.gemm(this.options.tables, path, m, k, n, this.env)
      const table = this.options.tables.get(this.nearestPath(path))
      return table && nearestGemmMfu(table, m, k, n)
    })
    if (found) return found
    const missing = !this.options.tables.has(path) && !this.options.tables.has(this.nearestPath(path))
    return (missing && this.lent(work, (r) => r.gemm(m, k, n))) || this.fallback(`no GEMM row covers m=${m} k=${k} n=${n} in ${path}`, work, missing)
  }

  decodeAttention(path: string, batch: number, kvLen: number, fp8Kv: boolean, work?: KernelWork): MfuLookup {
    const found = this.decodeAttentionRow(path, batch, kvLen, fp8Kv)
    if (found) {
      const kept = fp8Kv ? this.fp8KvAtMostBf16(path, batch, kvLen, found) : found
      return this.atMostLargerHeads(path, kept, (p) => this.decodeAttentionRow(p, batch, kvLen, fp8Kv), `batch ${batch}, KV length ${kvLen}`)
    }
    if (fp8Kv && this.interpolates()) {
      const bf16 = this.fp8KvFromBf16(path, batch, kvLen)
      if (bf16) return bf16
    }
    const table = this.options.tables.get(path)
    const why = table ? `${path} has no ${fp8Kv ? 'fp8' : 'bf16'} KV rows` : `${path} does not exist`
    return (!table && this.lent(work, (r, p) => r.decodeAttention(p(path), batch, kvLen, fp8Kv))) || this.fallback(why, work, !table)
  }

  private decodeAttentionRow(path: string, batch: number, kvLen: number, fp8Kv: boolean): MfuLookup | undefined {
    const interpolating = this.interpolates()
    return memoNumbers(this.memo.table('decodeAttention', path), kvLen, batch, fp8Kv ? 1 : 0, () => {
      if (interpolating) return this.options.interpolator!.decodeAttention(this.options.tables, path, batch, kvLen, fp8Kv, this.env)
      const table = this.options.tables.get(path)
      return table && nearestDecodeAttentionMfu(table, batch, kvLen, fp8Kv)
    })
  }

  /**
   * FP8-KV decode attention where no table of the GPU has FP8-KV rows to read
   * or borrow (A100's: no FP8 tensor cores, and its collection timed none):
   * the BF16 rows' time, read or borrowed as for a BF16 cache, what the cap
   * below charges where the FP8-KV rows are slower. The GPUs that have
   * both take 0.86-1.46x their BF16 time with an FP8 KV cache (H200, median
   * 1.11; grouped-query, 32-256 requests at 2K-8K keys), where the GPU's
   * default MFU on the FLOPs gives a hundredth of it.
   */
  private fp8KvFromBf16(path: string, batch: number, kvLen: number): MfuLookup | undefined {
    const bf16 = this.decodeAttentionRow(path, batch, kvLen, false)
    if (!bf16) return undefined
    this.warn('fp8-kv-rows-missing', `no FP8-KV rows for ${path}: FP8-KV decode attention is charged the BF16 rows' time`)
    return {...bf16, note: `no FP8-KV rows: the BF16 time${bf16.note ? `; ${bf16.note}` : ''}`}
  }

  /**
   * FP8-KV decode attention at no more than the BF16 time at the same point:
   * a kernel that reads half the bytes need not be slower, but the measured
   * kernels sometimes are (SGLang's FP8-KV MLA decode on H100 and H200 takes
   * 2.9-7.1x its BF16 time), and engines with FP8 kernels of their own are
   * not bound by them: TensorRT-LLM's FP8 DeepSeek runs on H200 decode at the
   * BF16 rows' pace. Says so, once per table, where the rows differ by more
   * than FP8_KV_SLOWER. The compat profile reads the FP8 rows as measured (the
   * reference's lookup), and says so too.
   */
  private fp8KvAtMostBf16(path: string, batch: number, kvLen: number, fp8: MfuLookup): MfuLookup {
    const bf16 = this.decodeAttentionRow(path, batch, kvLen, false)
    // The same FLOPs on the same peak: the MFU ratio is the time ratio.
    if (!bf16 || bf16.value <= fp8.value) return fp8
    const capped = this.interpolates()
    const slower = bf16.value / fp8.value
    if (slower > FP8_KV_SLOWER && !this.fp8KvSlower.has(path)) {
      this.fp8KvSlower.add(path)
      const what = capped
        ? 'charged the BF16 time, as a kernel reading half the bytes need not be slower (--profile infersim reads the FP8 rows as measured)'
        : 'read as measured, as the reference does (the default profile charges the BF16 time: a kernel reading half the bytes need not be slower)'
      this.warn('fp8-kv-slower', `${path}: its FP8-KV decode kernel takes ${slower.toFixed(1)}x its BF16 time (batch ${batch}, KV length ${kvLen}); ${what}`)
    }
    return capped ? {...bf16, note: `FP8-KV rows slower than BF16 here: the BF16 time${bf16.note ? `; ${bf16.note}` : ''}`} : fp8
  }

  /** A missing prefill table returns 0.9 in the compat profile (the reference's prefill lookup), not the default. */
  prefillAttention(path: string, seqLen: number, work?: KernelWork): MfuLookup {
    const found = this.prefillRow(path, seqLen)
    if (found) return this.atMostLargerHeads(path, found, (p) => this.prefillRow(p, seqLen), `${seqLen} tokens`)
    const table = this.options.tables.get(path)
    const lent = !table && this.lent(work, (r, p) => r.prefillAttention(p(path), seqLen))
    if (lent) return lent
    if (!table && !this.options.rooflineFallback) {
      this.warn('missing-table', `${path} does not exist; using MFU 0.9`)
      return {value: 0.9, kind: 'fallback', lines: [], note: 'missing prefill table: 0.9'}
    }
    return this.fallback(table ? `no row of ${path} has seq_len <= ${seqLen}` : `${path} does not exist`, work, !table)
  }

  private prefillRow(path: string, seqLen: number): MfuLookup | undefined {
    const interpolating = this.interpolates()
    return memoNumbers(this.memo.table('prefillAttention', path), seqLen, 0, 0, () => {
      if (interpolating) return this.options.interpolator!.prefillAttention(this.options.tables, path, seqLen, this.env)
      const table = this.options.tables.get(path)
      return table && nearestPrefillAttentionMfu(table, seqLen)
    })
  }

  /**
   * An MHA attention lookup at no more than the time of the same GPU's
   * measured configuration with the fewest more query heads over the same KV
   * heads, head_dim and window (src/tables/larger-heads.ts), at the same point:
   * that kernel does the query's work and more, as the FP8-KV cap reasons
   * (fp8KvAtMostBf16). Read only where the larger table was measured around
   * the point (not extrapolated or borrowed). Says so once per table where
   * the query's rows take more than FEWER_HEADS_SLOWER times as long. The
   * compat profile reads the rows as measured.
   */
  private atMostLargerHeads(path: string, found: MfuLookup, lookup: (path: string) => MfuLookup | undefined, at: string): MfuLookup {
    if (!this.interpolates()) return found
    const larger = largerHeads(this.options.tables, path)
    const other = larger && lookup(larger.path)
    if (!larger || !other || (other.kind !== 'exact' && other.kind !== 'interpolated')) return found
    // MFU on the query's FLOPs at the larger configuration's time.
    const atItsTime = other.value * larger.share
    if (found.value >= atItsTime) return found
    const slower = atItsTime / found.value
    if (slower > FEWER_HEADS_SLOWER && !this.fewerHeadsSlower.has(path)) {
      this.fewerHeadsSlower.add(path)
      this.warn('fewer-heads-slower', `${path}: its kernel takes ${slower.toFixed(1)}x the time of ${larger.path} (${at}), which has more query heads over the same KV heads; charged that time, as a kernel doing less of the same work need not be slower`)
    }
    return {...other, value: atItsTime, note: `at most the time of ${larger.path}, more query heads over the same KV heads${other.note ? `; ${other.note}` : ''}`}
  }

  /**
   * MoE expert compute on one GPU. With a routing `distribution`, a wide-EP
   * table of that distribution answers first where it has the model's shape
   * (interpolating lookups only). Those tables time DeepGEMM's FP8
   * block-scaled experts: experts of another dtype (NVFP4 on Blackwell) read
   * their own dtype's table, as an expert-parallel share.
   */
  groupedGemm(phase: Phase, key: GroupedGemmKey, tokens: number, work?: KernelWork, distribution?: string): MfuLookup {
    const path = tablePaths.groupedGemm(this.options.gpuKey, phase)
    const interpolating = this.interpolates()
    if (distribution && interpolating && (this.options.gemmDtype ?? 'fp8') === 'fp8') {
      const wide = tablePaths.wideEp(this.options.gpuKey, phase, distribution)
      const found = this.options.tables.has(wide) ? memoNumbers(groupedGemmMemo(this.memo.table('wideEp', wide), key), key.hidden, key.intermediate, tokens, () => this.options.interpolator!.wideEp(this.options.tables, wide, phase, key, tokens, this.env)) : undefined
      if (found) return found
    }
    const found = memoNumbers(groupedGemmMemo(this.memo.table('groupedGemm', path), key), key.hidden, key.intermediate, tokens, () => {
      if (interpolating) return this.options.interpolator!.groupedGemm(this.options.tables, path, phase, key, tokens, this.env)
      const table = this.options.tables.get(this.nearestPath(path))
      return table && (phase === 'decode' ? nearestGroupedGemmDecodeMfu(table, key, tokens) : nearestGroupedGemmPrefillMfu(table, key, tokens))
    })
    if (found) return found
    const table = this.options.tables.get(path)
    const lent = !table && !this.options.tables.has(this.nearestPath(path)) && this.lent(work, (r) => r.groupedGemm(phase, key, tokens, work, distribution))
    if (lent) return lent
    const shape = `E=${key.experts} gpus=${key.gpus} local=${key.localExperts} topk=${key.topk} D=${key.hidden} I=${key.intermediate}`
    return this.fallback(table ? `no grouped GEMM ${phase} rows for ${shape} in ${path}` : `${path} does not exist`, work, !table)
  }

  /**
   * A collective's time from the measured comm tables, or undefined where
   * they do not cover it. A GPU without comm tables reads its table donor's
   * where the two are joined by the same links (sameLinks): collectives are
   * the interconnect's, not the GPU's.
   */
  collective(op: CollectiveOp, gpus: number, bytes: number): CommLookup | undefined {
    const own = lookupCollective(this.options.tables, this.options.gpuKey, op, gpus, bytes)
    const d = this.options.donor
    if (own || !d || !sameLinks(d.gpu, d.of) || this.options.tables.has(`comm/${this.options.gpuKey}/${op}.csv`)) return own
    const lent = lookupCollective(this.options.tables, gpuTableKey(d.of.name), op, gpus, bytes)
    if (lent) this.warn('tables-from', `${d.gpu.name} has no measured comm tables: ${d.of.name}'s stand in, read as measured (the same links: ${d.gpu.nvlinkGBs} GB/s NVLink, ${gpuNodeSize(d.gpu)} GPUs a node)`)
    return lent && {...lent, note: `${d.of.name}'s, the same links (tablesFrom)${lent.note ? `; ${lent.note}` : ''}`}
  }

  /**
   * Whether a table stands for this GPU: its own, or where it has none, its
   * table donor's (tablesFrom), which every lookup then lends. A check that
   * saw only the GPU's own tables sent such a GPU down another path than its
   * donor's: B300 timed gpt-oss's sliding-window prompts as full causal
   * attention, though B200's window tables stood in for every other kernel.
   */
  hasTable(path: string): boolean {
    if (this.options.tables.has(path)) return true
    const d = this.options.donor
    return d !== undefined && this.options.tables.has(this.donorPath(path))
  }

  /** The first of `candidates` whose table stands for this GPU (hasTable), found once per table set under `key` (a sweep asks the same for each of its simulations). */
  firstTable<T>(key: string, candidates: () => Iterable<[T, string]>): T | undefined {
    return firstFound(this.options.tables, `${this.options.gpuKey}|${key}`, () => {
      for (const [value, path] of candidates()) if (this.hasTable(path)) return value
      return undefined
    }) as T | undefined
  }

  /** A table with its own grid columns (DSA): nearest row by `query` among rows matching `filter`; the table donor's where this GPU has none. */
  rowMfu(path: string, query: Record<string, number>, filter: Record<string, number | string>, work?: KernelWork): MfuLookup {
    const table = this.options.tables.get(path)
    const key = `row|${path}|${JSON.stringify(query)}|${JSON.stringify(filter)}`
    const found = memo(this.options.tables, key, () => table && nearestRowMfu(table, query, filter))
    const lent = !found && !table && this.lent(work, (r, p) => r.rowMfu(p(path), query, filter, work))
    return found ?? (lent || this.fallback(table ? `no row of ${path} matches ${JSON.stringify(filter)}` : `${path} does not exist`, work, !table))
  }

  /**
   * A table of measured latencies (no MFU) of this GPU; where it has none, its table donor's (the GPU
   * file's tablesFrom), with the note that says so and the donor's rates (`donor`) for a caller that
   * carries its latencies by the roofline; `how` says which the caller does (read as measured unless
   * given). Undefined where neither has one.
   */
  latencyTable(path: string, kernel: string, why?: string, how = 'read as measured'): {table: KernelTable; lent?: string; donor?: {fp16Tflops: number; memBw: number}} | undefined {
    const table = this.options.tables.get(path)
    if (table) return {table}
    const d = this.options.donor
    const lentPath = d && this.donorPath(path)
    const lent = lentPath && this.options.tables.get(lentPath)
    if (!d || !lent) return undefined
    this.warn('tables-from', `${d.gpu.name} has no measured ${kernel} tables: ${d.of.name}'s stand in, ${how}${why ? ` (${why})` : ''}`)
    return {table: lent, lent: `${path} does not exist: ${lentPath} ${how} (tablesFrom ${d.of.name})`, donor: {fp16Tflops: d.of.fp16Tflops, memBw: d.memBw}}
  }

  /**
   * GDN latencies have no MFU to fall back to. A missing table is borrowed
   * from the GPU whose GDN kernels time closest (src/tables/gdn-borrow.ts)
   * by interpolating lookups (the default profile); otherwise, or when no
   * GPU qualifies, undefined and the caller decides.
   */
  gdnLatency(path: string, wanted: number): GdnLatency | undefined {
    // This GPU's table, else the GPU file's tablesFrom: its latencies as measured, as every borrowed GDN figure is read.
    const own = this.latencyTable(path, 'gdn', 'GDN kernels take about the same time across GPUs')
    const at = own && nearestGdnLatency(own.table, wanted)
    if (at) return own.lent ? {...at, borrowed: own.lent} : at
    const donor = this.interpolates() ? gdnDonor(this.options.tables, path) : undefined
    const borrowed = donor && this.options.tables.get(donor.path)
    const found = borrowed && nearestGdnLatency(borrowed, wanted)
    if (!donor || !found) return undefined
    const why = `${path} does not exist: ${donor.path} read as measured (${donor.gpu}'s GDN kernels time closest to this GPU's, ${donor.ratio.toFixed(2)}x)`
    this.warn('gdn-borrowed', `${why}; GDN kernels take about the same time across the GPUs measured (within 0.7-1.3x of the borrowed GPU's)`)
    return {...found, borrowed: why}
  }

  /**
   * The table a nearest-point (compat) GEMM or MoE lookup reads: the
   * reference's data.csv, or where a GPU has none (tables measured with
   * kernel_benchmark and ingested are per dtype), the GEMM dtype's table.
   */
  private nearestPath(path: string): string {
    return this.options.tables.has(path) ? path : dtypeTablePath(this.options.tables, path, this.env)
  }

  /**
   * A lookup this GPU has no table for, made on its table donor's tables
   * and carried to this GPU by the donor's utilisation (carriedMfu).
   * `ask` gets the donor's resolver and a mapper of this GPU's table paths
   * to the donor's. Undefined without a donor, without the work to carry,
   * or where the donor has no row either.
   */
  private lent(work: KernelWork | undefined, ask: (donor: MfuResolver, donorPath: (path: string) => string) => MfuLookup): MfuLookup | undefined {
    const d = this.options.donor
    if (!d || !work) return undefined
    const found = ask(d.resolver, (p) => this.donorPath(p))
    if (found.kind === 'fallback') return undefined
    const peak = donorPeak(d.gpu, d.of, work.peakTflops)
    const value = carriedMfu(found.value, work, {peak, memBw: d.memBw}, {memBw: this.options.memBw})
    const note = `${d.of.name}'s ${found.table ?? 'table'} (${found.kind}), its utilisation of the roofline carried to ${d.gpu.name} (tablesFrom)`
    this.warn('tables-from', `${d.gpu.name} has no measured ${found.table?.split('/')[0] ?? 'kernel'} tables: ${d.of.name}'s stand in, each figure's utilisation of the roofline carried to ${d.gpu.name}'s peaks and bandwidth`)
    return {...found, value, kind: 'borrowed', note}
  }

  /** This GPU's table path as its table donor's (the GPU folder swapped). */
  private donorPath(path: string): string {
    return path.replace(`/${this.options.gpuKey}/`, `/${gpuTableKey(this.options.donor!.of.name)}/`)
  }

  private interpolates(): boolean {
    return this.options.interpolate && this.options.interpolator !== undefined
  }

  private fallback(why: string, work: KernelWork | undefined, missingTable: boolean): MfuLookup {
    const code = missingTable ? 'missing-table' : 'no-matching-rows'
    if (this.options.rooflineFallback && work && work.flops > 0) {
      const computeSeconds = work.flops / (work.peakTflops * 1e12)
      const memorySeconds = work.bytes / 1024 ** 3 / this.options.memBw
      const value = Math.min(1, (this.options.defaultMfu * computeSeconds) / Math.max(computeSeconds, memorySeconds))
      this.warn(code, `${why}; roofline estimate at default efficiency ${this.options.defaultMfu}`)
      return {value, kind: 'fallback', lines: [], note: `roofline x ${this.options.defaultMfu}: ${why}`}
    }
    this.warn(code, `${why}; using the GPU's default MFU ${this.options.defaultMfu}`)
    return {value: this.options.defaultMfu, kind: 'fallback', lines: [], note: `default MFU: ${why}`}
  }

  private warn(code: string, message: string): void {
    if (!this.warnings.some((w) => w.message === message)) this.warnings.push({code, message})
  }
}
