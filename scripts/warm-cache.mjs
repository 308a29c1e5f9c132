// Writes V8's code cache of the CLI's bundles (dist/fast.cjs.cache, dist/infersim.cjs.cache) from
// representative runs, so that the functions a simulation compiles are cached too (bin/cli-loader.cjs
// writes a bundle's cache when a process that loaded it without one ends).
import {execFileSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
for (const name of ['fast.cjs', 'infersim.cjs']) rmSync(path.join(root, 'dist', `${name}.cache`), {force: true})
// The fast start: one process runs both profiles' lookups (nearest point, interpolation, MoE, serving).
const runs = [
  ['simulate', '--profile', 'infersim', '--model', 'deepseek-v3-infersim', '--gpu', 'H800', '--world-size', '128', '--nodes', '16', '--fp8-gemm', '--deepep', '--tbo', '--decode-only'],
  ['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4'],
  ['simulate', '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--world-size', '4', '--serving'],
]
const script = `const fast = require(${JSON.stringify(path.join(root, 'bin', 'cli-loader.cjs'))}).loadBundle('fast.cjs');
(async () => { for (const argv of ${JSON.stringify(runs)}) await fast.runFastStart(argv) })()`
execFileSync('node', ['-e', script], {cwd: root, stdio: 'ignore'})
execFileSync('node', [path.join(root, 'bin', 'run.js'), 'simulate', '--model', 'qwen3-8b', '--gpu', 'H20'], {cwd: root, stdio: 'ignore', env: {...process.env, INFERSIM_FAST_START: '0'}})
