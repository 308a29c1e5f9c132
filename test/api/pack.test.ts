/**
 * The package as a user gets it: `npm pack`, the tarball installed into a
 * scratch project (offline from npm's cache where it can be), every
 * TypeScript example of docs/api.md compiled there by tsc against the
 * installed type declarations and run by node. The first,
 * docs/examples/predict.ts, prints figures that must equal the ones the CLI
 * prints for the same deployments.
 */
import {execa} from 'execa'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect, it} from 'vitest'
import {ROOT, runJson} from '../helpers/cli.js'

const run = async (cmd: string, args: string[], cwd: string) => (await execa(cmd, args, {cwd})).stdout

interface Printed {
  label: string
  [k: string]: unknown
}

/** The CLI's figures for the example's deployments (the config object and GPU spec as files). */
async function cliFigures(dir: string): Promise<Map<string, Printed>> {
  const config = {model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 16, vocab_size: 128256, tie_word_embeddings: true}
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config))
  const h100 = JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8')).gpus.find((g: {name: string}) => g.name === 'H100-SXM')
  writeFileSync(path.join(dir, 'gpus.json'), JSON.stringify({gpus: [{...h100, fp16Tflops: h100.fp16Tflops * 1.2}]}))
  const phases = (label: string, r: {prefill: {latencyMs: number}; decode: {latencyMs: number; tgs: number}; warnings: unknown[]}) =>
    [label, {label, ttftMs: r.prefill.latencyMs, tpotMs: r.decode.latencyMs, decodeTgs: r.decode.tgs, warnings: r.warnings.length}] as const
  const llama = (await runJson(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H100-SXM', '--isl', '1024', '--osl', '1024', '--decode-batch', '32'])).json
  const qwen = (await runJson(['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--isl', '1024', '--osl', '512', '--serving', '--concurrency', '64', '--engine', 'vllm'])).json
  const custom = ['simulate', '--model', path.join(dir, 'config.json'), '--gpu', 'H100-SXM', '--isl', '2048', '--osl', '256', '--decode-batch', '64']
  const faster = (await runJson([...custom, '--gpu-spec', path.join(dir, 'gpus.json')])).json
  // More TFLOPS made the compute-bound prefill faster than on the bundled H100.
  expect(faster.prefill.latencyMs).toBeLessThan((await runJson(custom)).json.prefill.latencyMs)
  const bad = await runJson(['simulate', '--model', 'qwen3-8b', '--world-size', '6', '--tp', '4'])
  expect(bad.exitCode).toBe(2)
  return new Map<string, Printed>([
    phases('llama-3.1-8b', llama),
    ['qwen3-32b serving', {label: 'qwen3-32b serving', ttftMs: qwen.serving.ttftMs, tpotMs: qwen.serving.tpotMs, requestsPerSecond: qwen.serving.totalRequestsPerSecond}],
    phases('custom model, faster H100', faster),
    ['qwen3-30b-a3b', {label: 'qwen3-30b-a3b', layers: 48, experts: 128, topk: 8}],
    ['error', {label: 'error', kind: 'usage', message: bad.json.error.message}],
  ])
}

it('packs, installs, compiles the docs/api.md examples with tsc, runs them, and prints the CLI\'s figures', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'infersim-pack-'))
  const app = path.join(dir, 'app')
  mkdirSync(app)
  // The package and its install run while this process works out the CLI's figures.
  const installed = (async () => {
    const tarball = (await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT)).trim().split('\n').pop()!
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({name: 'app', private: true, type: 'module'}))
    // With Node's types, as a TypeScript project on Node has them (an example writes a file).
    const nodeTypes = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', path.join(dir, tarball), `@types/node@${nodeTypes}`], app)
  })()
  const expected = await cliFigures(dir)
  await installed

  const examples = [...readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  expect(examples[0]).toBe(readFileSync(path.join(ROOT, 'docs', 'examples', 'predict.ts'), 'utf8'))
  const files = examples.map((_, i) => (i === 0 ? 'predict.ts' : `example-${i + 1}.ts`))
  examples.forEach((code, i) => writeFileSync(path.join(app, files[i]), code))
  // --skipLibCheck: the examples are checked against infersim's declarations, not @types/node's own.
  await run('node', [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--outDir', 'out', ...files], app)
  const outputs = await Promise.all(files.map((f) => run('node', [path.join('out', f.replace(/\.ts$/, '.js'))], app)))
  for (const o of outputs.slice(1)) expect(o.trim()).not.toBe('')
  const printed = outputs[0]
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Printed)
  expect(printed).toEqual([...expected.values()])

  // The installed CLI (its fast start, and oclif for --help) answers as the checkout's does.
  const bin = path.join(app, 'node_modules', 'infersim', 'bin', 'run.js')
  const installedCli = JSON.parse(await run('node', [bin, 'simulate', '--model', 'llama-3.1-8b', '--gpu', 'H100-SXM', '--isl', '1024', '--osl', '1024', '--decode-batch', '32', '--json'], app))
  expect(installedCli.decode.latencyMs).toBe(expected.get('llama-3.1-8b')!.tpotMs)
  expect(await run('node', [bin, 'simulate', '--help'], app)).toContain('Predict TTFT, TPOT and tokens/GPU/s of one deployment.')
}, 240_000)
