/**
 * The fast start (src/cli/fast-start.ts): a plain `infersim simulate` line
 * runs without oclif and prints exactly what the oclif command prints
 * (stdout, stderr, exit code); anything it does not read whole goes to oclif.
 */
import {execa} from 'execa'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {readArgv} from '../../src/cli/argv.js'
import {runFastStart} from '../../src/cli/fast-start.js'
import {simulateOptions} from '../../src/options/shared.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {TEST_SETTINGS} from '../kernel_benchmark/python.js'

const read = (line: string) => readArgv(simulateOptions, line.split(' ').filter(Boolean))

describe('readArgv: the command lines the fast start reads', () => {
  it('reads flags, aliases, chars, --flag=value, --no-flag, repeatable flags and --json anywhere', () => {
    expect(read('--model qwen3-8b -g H800 --world-size=8 --tp-size 2 --use-fp8-gemm --json --no-breakdown --switch B4=on --switch B5=on --sm-ratio 0.5')).toEqual({
      flags: {model: 'qwen3-8b', gpu: 'H800', 'world-size': 8, tp: 2, 'fp8-gemm': true, breakdown: false, switch: ['B4=on', 'B5=on'], 'sm-ratio': 0.5},
      json: true,
    })
    expect(read('')).toEqual({flags: {}, json: false})
  })

  it.each([
    ['--help', 'help'],
    ['-h', 'a char that is no flag'],
    ['--modle qwen3-8b', 'an unknown flag'],
    ['--world-size 1.5', 'a whole number that is not'],
    ['--sm-ratio x', 'a number that is not'],
    ['--engine tgi', 'a value outside the choices'],
    ['--model', 'a missing value'],
    ['--model --gpu H20', 'a value that looks like a flag'],
    ['--model=', 'an empty value'],
    ['qwen3-8b', 'a positional argument'],
    ['--switch B4=on B5=on', 'values after a repeatable flag'],
    ['--tp 2 --tp 4', 'a flag given twice'],
    ['--json --json', '--json twice'],
    ['--fp8-gemm=true', 'a value given to a boolean'],
    ['--no-fp8-gemm', '--no- of a flag without it'],
    ['--prefill-only --decode-only', 'exclusive flags together'],
    ['-- --model x', 'the end of flags'],
  ])('leaves %s (%s) to oclif', (line) => {
    expect(read(line)).toBeUndefined()
  })
})

describe('runFastStart', () => {
  it('runs a plain simulate line and prints the --json result', async () => {
    const printed: string[] = []
    expect(await runFastStart(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--json'], {}, (fd, text) => void printed.push(`${fd}:${text}`))).toBe(true)
    expect(printed).toHaveLength(1)
    expect(JSON.parse(printed[0].slice(2)).gpu).toBe('H20')
    expect(printed[0].startsWith('1:')).toBe(true)
  })

  it('leaves other commands, unread lines and oclif settings in the environment to oclif', async () => {
    const printed: string[] = []
    const print = (_: number, text: string) => void printed.push(text)
    expect(await runFastStart(['sweep', '--model', 'qwen3-8b'], {}, print)).toBe(false)
    expect(await runFastStart(['simulate', '--help'], {}, print)).toBe(false)
    expect(await runFastStart(['simulate'], {DEBUG: '*'}, print)).toBe(false)
    expect(await runFastStart(['simulate'], {INFERSIM_CONTENT_TYPE: 'json'}, print)).toBe(false)
    expect(printed).toEqual([])
  })
})

describe('bin/run.js: the fast start prints what oclif prints', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'infersim-fast-'))
  writeFileSync(path.join(dir, 'bad.json'), '{"num_hidden_layers": 4,')
  const lines: string[][] = [
    ['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4'],
    ['simulate', '--profile', 'infersim', '--config-path', 'hf_configs/deepseek-v3-infersim.json', '--device-type', 'H800', '--world-size', '128', '--num-nodes', '16', '--use-fp8-gemm', '--enable-deepep', '--enable-tbo', '--target-osl', '1786', '--decode-bs', '64', '--decode-only', '--json'],
    ['simulate', '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--world-size', '4', '--serving', '--concurrency', '8', '--no-breakdown'],
    ['simulate', '--model', 'qwen3-8b', '--calibration', 'calibration/fit.json'],
    ['simulate', '--world-size', '6', '--tp', '4'],
    ['simulate', '--world-size', '6', '--tp', '4', '--json'],
    ['simulate', '--model', path.join(dir, 'bad.json')],
    ['simulate', '--world-size', 'x'],
  ]

  // Names the bundles a process compiles, so that a fast start that gave way to oclif shows.
  const probe = path.join(dir, 'bundles.cjs')
  writeFileSync(
    probe,
    `const vm = require('node:vm'); const fs = require('node:fs'); const path = require('node:path'); const Script = vm.Script
vm.Script = class extends Script { constructor(source, options) { super(source, options); fs.appendFileSync(process.env.BUNDLES_LOG, path.basename(options.filename) + ' ') } }`,
  )
  const bundleOf = (argv: readonly string[]) => (argv.includes('--world-size') && argv.includes('x') ? 'fast.cjs infersim.cjs' : argv.includes('--serving') ? 'fast-serving.cjs' : 'fast.cjs')

  it.each(lines.map((l, i) => [l.slice(1, 5).join(' '), l, i]))('%s ...', async (_, argv, i) => {
    const log = path.join(dir, `bundles-${i}.log`)
    // The test suite's own INFERSIM_ settings (the kernel benchmark's Python, set by .ci/run or a developer) are not the CLI's: left in, they would send the command to oclif.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !TEST_SETTINGS.includes(k)))
    const run = (env: Record<string, string>) =>
      execa('node', ['--require', probe, BIN, ...(argv as string[])], {cwd: ROOT, reject: false, env: {...inherited, ...env}, extendEnv: false})
    const fast = await run({BUNDLES_LOG: log})
    // Every line but the one it cannot read runs in the fast start, in the bundle for it, with no oclif.
    expect(readFileSync(log, 'utf8').trim()).toBe(bundleOf(argv as string[]))
    const oclif = await run({INFERSIM_FAST_START: '0', BUNDLES_LOG: path.join(dir, 'oclif.log')})
    expect(fast.stdout).toBe(oclif.stdout)
    expect(fast.stderr).toBe(oclif.stderr)
    expect(fast.exitCode).toBe(oclif.exitCode)
  })
})

describe('the bundles\' code caches', () => {
  it('are left as they are by a process with V8 options of its own, whose flags they were not made for', async () => {
    const cache = path.join(ROOT, 'dist', 'fast.cjs.cache')
    const before = readFileSync(cache)
    const r = await execa('node', ['--max-old-space-size=300', BIN, 'simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--json'], {cwd: ROOT, reject: false})
    expect(r.exitCode).toBe(0)
    expect(readFileSync(cache).equals(before)).toBe(true)
  })
})

describe('the two fast-start bundles', () => {
  const bundle = (name: string) => readFileSync(path.join(ROOT, 'dist', name), 'utf8')

  it('leave the serving model out of the plain one, which leaves a --serving line to oclif', async () => {
    // A warning only the serving model raises: in the serving bundle, not in the plain one.
    expect(bundle('fast-serving.cjs')).toContain('admission-limited')
    expect(bundle('fast.cjs')).not.toContain('admission-limited')
    // In a process of its own: one with this worker's flags would find the bundle's code cache made
    // for other flags, and write its own in its place.
    const line = JSON.stringify(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--serving'])
    const script = `require(${JSON.stringify(path.join(ROOT, 'bin', 'cli-loader.cjs'))}).loadBundle('fast.cjs').runFastStart(${line}, {}).then((ran) => console.log('ran', ran))`
    const {stdout} = await execa('node', ['-e', script], {cwd: ROOT})
    expect(stdout).toBe('ran false')
  })
})
