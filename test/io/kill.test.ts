/**
 * The kill test: a multi-table `ingest` and a `sweep --csv`, stopped by SIGKILL
 * or SIGTERM at named moments of their writes (INFERSIM_KILL_AT, see
 * src/io/failpoint.ts), leave every existing file byte-identical or the whole
 * run's set fully replaced, and no temp file once the next run has started
 * (after SIGTERM: at once).
 */
import {execa} from 'execa'
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {BIN, ROOT} from '../helpers/cli.js'

const scratch = (name: string) => mkdtempSync(path.join(tmpdir(), `kill-${name}-`))

/** Every file under `dir`, hidden ones included, with its text; provenance times masked (each run stamps its own). */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of readdirSync(path.join(dir, rel), {withFileTypes: true})) {
    const r = path.posix.join(rel, e.name)
    if (e.isDirectory()) Object.assign(out, tree(dir, r))
    else out[r] = readFileSync(path.join(dir, r), 'utf8').replace(/"ingestedAt": "[^"]+"/g, '"ingestedAt": "T"')
  }
  return out
}

const leftovers = (t: Record<string, string>) => Object.keys(t).filter((f) => /infersim|\.tmp/.test(f))

async function run(args: string[], kill?: {at: string; signal: 'SIGKILL' | 'SIGTERM'}) {
  const env = kill ? {INFERSIM_KILL_AT: kill.at, INFERSIM_KILL_SIGNAL: kill.signal} : {}
  return execa('node', [BIN, ...args], {cwd: ROOT, reject: false, env})
}

// Each case is a child process: run them side by side.
describe.concurrent('kill during a multi-table ingest', () => {
  const SHAPES = ['16-1-256', '16-2-128', '32-2-128', '32-4-128']
  const inputs = scratch('ingest-inputs')
  let base: string
  let expectedNew: Record<string, string>
  let expectedOld: Record<string, string>
  // B updates the four tables of A (latencies up 1%) and adds a fifth: ten files in one run.
  const ingestB = (out: string) => ['ingest', path.join(inputs, 'b'), '--out', out, '--on-conflict', 'replace']
  // An unrelated table: the next run that writes into the folder.
  const ingestC = (out: string) => ['ingest', path.join(inputs, 'c'), '--out', out]

  beforeAll(async () => {
    const src = path.join(ROOT, 'bench_data', 'mha', 'decode')
    for (const shape of SHAPES) {
      const text = readFileSync(path.join(src, 'h20', `${shape}.csv`), 'utf8')
      mkdirSync(path.join(inputs, 'a', 'mha', 'decode', 'h20'), {recursive: true})
      mkdirSync(path.join(inputs, 'b', 'mha', 'decode', 'h20'), {recursive: true})
      writeFileSync(path.join(inputs, 'a', 'mha', 'decode', 'h20', `${shape}.csv`), text)
      const slower = text.replace(/^(bf16|fp8),(bf16|fp8),(\d+),(\d+),([\d.]+)/gm, (_m, d, kv, b, l, lat) => `${d},${kv},${b},${l},${(Number(lat) * 1.01).toFixed(3)}`)
      writeFileSync(path.join(inputs, 'b', 'mha', 'decode', 'h20', `${shape}.csv`), slower)
    }
    cpSync(path.join(src, 'h20', '16-2-256.csv'), path.join(inputs, 'b', 'mha', 'decode', 'h20', '16-2-256.csv'))
    mkdirSync(path.join(inputs, 'c', 'mha', 'decode', 'h800'), {recursive: true})
    cpSync(path.join(src, 'h800', '32-8-128.csv'), path.join(inputs, 'c', 'mha', 'decode', 'h800', '32-8-128.csv'))

    base = scratch('ingest-base')
    expect((await run(['ingest', path.join(inputs, 'a'), '--out', base])).exitCode).toBe(0)
    expectedOld = tree(base)
    const reference = scratch('ingest-reference')
    cpSync(base, reference, {recursive: true})
    expect((await run(ingestB(reference))).exitCode).toBe(0)
    expectedNew = tree(reference)
    expect(Object.keys(expectedNew).length).toBe(Object.keys(expectedOld).length + 2)
    expect(Object.keys(expectedOld).filter((f) => expectedOld[f] !== expectedNew[f])).toHaveLength(8)
  })

  const withoutC = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([f]) => !f.includes('h800')))

  it.each([
    ['ingest:read', 'SIGKILL', 'old', /^Wrote/],
    // (Right after the plan and right after the commit point: test/io/file-set.test.ts.)
    ['file-set:staged:3', 'SIGKILL', 'old', /^Undid an interrupted write \(ingest, pid \d+, .*\): its 10 staged files removed/],
    ['file-set:renamed:4', 'SIGKILL', 'new', /^Finished an interrupted write \(ingest, pid \d+, .*\): 6 files put in place/],
  ] as const)('%s %s: the next run finds the tables all %s', async (at, signal, outcome, report) => {
    const out = scratch('ingest')
    cpSync(base, out, {recursive: true})
    const killed = await run(ingestB(out), {at, signal})
    expect(killed.signal).toBe(signal)
    // Until the next run, each table is old or new (never a half-written file).
    const after = tree(out)
    for (const f of Object.keys(after).filter((f) => !leftovers(after).includes(f))) expect([expectedOld[f], expectedNew[f]]).toContain(after[f])
    const next = await run(ingestC(out))
    expect(next.exitCode, next.stderr).toBe(0)
    expect(next.stdout).toMatch(report)
    const recovered = tree(out)
    expect(leftovers(recovered)).toEqual([])
    expect(withoutC(recovered)).toEqual(outcome === 'old' ? expectedOld : expectedNew)
  })

  it.each([
    ['ingest:read', 'old'],
    ['file-set:staged:3', 'new'],
  ] as const)('SIGTERM at %s: at once the tables are all %s and no temp file is left', async (at, outcome) => {
    const out = scratch('ingest')
    cpSync(base, out, {recursive: true})
    const stopped = await run(ingestB(out), {at, signal: 'SIGTERM'})
    expect(stopped.signal).toBe('SIGTERM')
    const after = tree(out)
    expect(leftovers(after)).toEqual([])
    expect(after).toEqual(outcome === 'old' ? expectedOld : expectedNew)
  })
})

describe.concurrent('kill during sweep --csv', () => {
  const SWEEP = ['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--max-gpus', '2', '--workers', '0']
  let expectedNew: string

  beforeAll(async () => {
    const dir = scratch('sweep-reference')
    expect((await run([...SWEEP, '--csv', path.join(dir, 'f.csv')])).exitCode).toBe(0)
    expectedNew = readFileSync(path.join(dir, 'f.csv'), 'utf8')
  })

  it.each([
    ['sweep-csv:point:40', 'SIGKILL', 'old', 0],
    ['sweep-csv:point:40', 'SIGTERM', 'old', 0],
    ['sweep-csv:written', 'SIGKILL', 'old', 1],
    ['sweep-csv:written', 'SIGTERM', 'new', 0],
  ] as const)('%s %s: f.csv is %s; temp files left until the next run: %i', async (at, signal, outcome, left) => {
    const dir = scratch('sweep')
    const csv = path.join(dir, 'f.csv')
    writeFileSync(csv, 'old contents\n')
    const killed = await run([...SWEEP, '--csv', csv], {at, signal})
    expect(killed.signal).toBe(signal)
    expect(readFileSync(csv, 'utf8')).toBe(outcome === 'old' ? 'old contents\n' : expectedNew)
    expect(readdirSync(dir).filter((f) => f !== 'f.csv')).toHaveLength(left)
    // The next sweep into the folder removes what a SIGKILL left.
    expect((await run([...SWEEP, '--csv', path.join(dir, 'g.csv')])).exitCode).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(['f.csv', 'g.csv'])
  })
})
