import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../../helpers/cli.js'
import {hitRate} from '../../../src/sweep/serving/hit-rate.js'

const H100 = path.join(ROOT, 'calibration', 'serving-h100.csv')
const lines = readFileSync(H100, 'utf8').trim().split('\n')
const header = lines[0].split(',')
const col = (name: string) => header.indexOf(name)

/** The measured runs of SGLang serving Qwen3-32B on TP2 H100s at ISL 1024 / OSL 128 (a TTFT row and a TPOT row each). */
const subset = lines.slice(1).filter((l) => /^qwen_qwen3_32b_qwen_qwen3_32b_h100_sxm_sglang_agg_1024x128_c\d+_tp2_/.test(l))

function writeCsv(rows: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hit-rate-')), 'runs.csv')
  writeFileSync(file, `${[lines[0], ...rows].join('\n')}\n`)
  return file
}

describe('serving sweep hit rate against measured runs', () => {
  it('per group: the measured best run (closed-loop tokens/GPU/s) sets the targets; a hit when its layout ranks in the top 5', async () => {
    expect(subset.length).toBe(6)
    const report = await hitRate({file: writeCsv(subset)})
    expect(report.groups.length).toBe(1)
    const g = report.groups[0]
    expect(g.group).toBe('qwen3-32b H100-SXM x2 sglang 1024/128')
    expect(g.runs).toBe(3)
    // By hand from the rows: tokens/GPU/s = c x osl / (TTFT + 127 TPOT) / tp.
    const runs = new Map<string, {c: number; ttft?: number; tpot?: number}>()
    for (const l of subset) {
      const cells = l.split(',')
      const key = cells[0].replace(/-(ttft|tpot)$/, '')
      const r = runs.get(key) ?? {c: Number(cells[col('decode_batch')])}
      r[cells[col('metric')] === 'ttft_ms' ? 'ttft' : 'tpot'] = Number(cells[col('actual')])
      runs.set(key, r)
    }
    const tgs = [...runs.values()].map((r) => (r.c * 128) / ((r.ttft! + 127 * r.tpot!) / 1000) / 2)
    expect(g.best.tgs).toBeCloseTo(Math.max(...tgs), 9)
    expect(g.best.concurrency).toBe(128)
    expect(['hit', 'miss']).toContain(g.verdict)
    expect(g.verdict === 'hit').toBe(g.rank !== undefined && g.rank <= 5)
    expect(g.top.length).toBeLessThanOrEqual(5)
    expect(report.judged).toBe(1)
    expect(report.hits).toBe(g.verdict === 'hit' ? 1 : 0)
  })

  it('a best run no deployment can match counts as judged without a hit; layouts outside the sweep are not judged', async () => {
    // The c128 run made impossibly fast (1 ms TTFT): still the best, and nothing meets its targets.
    const fast = subset.map((l) => (/_c128_.*-ttft,/.test(l) ? l.replace(/,ttft_ms,[\d.]+,/, ',ttft_ms,1,') : l))
    const nothing = (await hitRate({file: writeCsv(fast)})).groups[0]
    expect(nothing.verdict).toBe('nothing')
    expect(nothing.detail).toMatch(/^TTFT: no deployment reaches TTFT <= 1 ms/)
    // The same runs said to be TP2 on 4 GPUs: the sweep's replicas are whole TP groups, so it cannot say.
    const spread = subset.map((l) => {
      const cells = l.split(',')
      cells[col('world_size')] = '4'
      return cells.join(',')
    })
    const report = await hitRate({file: writeCsv(spread)})
    expect(report.groups[0].verdict).toBe('outside')
    expect(report.judged).toBe(0)
  })
})
