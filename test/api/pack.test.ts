/**
 * The package as a user gets it: `npm pack`, the tarball installed into a
 * scratch project (offline from npm's cache where it can be), every
 * TypeScript example of docs/api.md compiled there by tsc against the
 * installed type declarations and run by node. The first,
 * docs/examples/predict.ts, prints figures that must equal the ones the CLI
 * prints for the same deployments.
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect, it} from 'vitest'
import {ROOT, runJson} from '../helpers/cli.js'

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})

interface Printed {
  label: string
  [k: string]: unknown
}

it('packs, installs, compiles the example with tsc and prints the CLI\'s figures', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'infersim-pack-'))
  const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop()!
  const app = path.join(dir, 'app')
  mkdirSync(app)
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({name: 'app', private: true, type: 'module'}))
  // With Node's types, as a TypeScript project on Node has them (an example writes a file).
  const nodeTypes = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', path.join(dir, tarball), `@types/node@${nodeTypes}`], app)
  const examples = [...readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  const predict = readFileSync(path.join(ROOT, 'docs', 'examples', 'predict.ts'), 'utf8')
  expect(examples[0]).toBe(predict)
  const files = examples.map((code, i) => (i === 0 ? 'predict.ts' : `example-${i + 1}.ts`))
  examples.forEach((code, i) => writeFileSync(path.join(app, files[i]), code))
  run('node', [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--target', 'es2022', '--module', 'nodenext', '--outDir', 'out', ...files], app)
  for (const f of files.slice(1)) expect(run('node', [path.join('out', f.replace(/\.ts$/, '.js'))], app).trim()).not.toBe('')
  const printed = run('node', [path.join('out', 'predict.js')], app)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Printed)
  const byLabel = new Map(printed.map((p) => [p.label, p]))

  const llama = (await runJson(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H100-SXM', '--isl', '1024', '--osl', '1024', '--decode-batch', '32'])).json
  expect(byLabel.get('llama-3.1-8b')).toEqual({label: 'llama-3.1-8b', ttftMs: llama.prefill.latencyMs, tpotMs: llama.decode.latencyMs, decodeTgs: llama.decode.tgs, warnings: llama.warnings.length})

  const qwen = (await runJson(['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--isl', '1024', '--osl', '512', '--serving', '--concurrency', '64', '--engine', 'vllm'])).json
  expect(byLabel.get('qwen3-32b serving')).toEqual({label: 'qwen3-32b serving', ttftMs: qwen.serving.ttftMs, tpotMs: qwen.serving.tpotMs, requestsPerSecond: qwen.serving.totalRequestsPerSecond})

  // The example's config object and faster H100, as files for the CLI.
  const config = {model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 16, vocab_size: 128256, tie_word_embeddings: true}
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config))
  const h100 = JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8')).gpus.find((g: {name: string}) => g.name === 'H100-SXM')
  writeFileSync(path.join(dir, 'gpus.json'), JSON.stringify({gpus: [{...h100, fp16Tflops: h100.fp16Tflops * 1.2}]}))
  const custom = (
    await runJson(['simulate', '--model', path.join(dir, 'config.json'), '--gpu', 'H100-SXM', '--gpu-spec', path.join(dir, 'gpus.json'), '--isl', '2048', '--osl', '256', '--decode-batch', '64'])
  ).json
  expect(byLabel.get('custom model, faster H100')).toEqual({
    label: 'custom model, faster H100',
    ttftMs: custom.prefill.latencyMs,
    tpotMs: custom.decode.latencyMs,
    decodeTgs: custom.decode.tgs,
    warnings: custom.warnings.length,
  })
  // More TFLOPS made the compute-bound prefill faster than on the bundled H100.
  const bundled = (await runJson(['simulate', '--model', path.join(dir, 'config.json'), '--gpu', 'H100-SXM', '--isl', '2048', '--osl', '256', '--decode-batch', '64'])).json
  expect(custom.prefill.latencyMs).toBeLessThan(bundled.prefill.latencyMs)

  expect(byLabel.get('qwen3-30b-a3b')).toEqual({label: 'qwen3-30b-a3b', layers: 48, experts: 128, topk: 8})
  const bad = await runJson(['simulate', '--model', 'qwen3-8b', '--world-size', '6', '--tp', '4'])
  expect(bad.exitCode).toBe(2)
  expect(byLabel.get('error')).toEqual({label: 'error', kind: 'usage', message: bad.json.error.message})
}, 180_000)
