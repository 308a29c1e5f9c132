// Writes V8's code cache of the CLI's bundles (dist/<bundle>.cache) from representative runs, so that
// the functions a simulation compiles are cached too (bin/cli-loader.cjs writes a bundle's cache when
// a process that loaded it without one ends). A cache holds what its runs compiled, and each start
// reads it whole: the plain fast start's runs do not serve, the serving one's do.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const fastStarts = {
  // Both profiles' lookups: nearest point, interpolation, MLA and MoE, a dense model under tensor parallelism.
  'fast.cjs': [
    ['simulate', '--profile', 'infersim', '--model', 'deepseek-v3-infersim', '--gpu', 'H800', '--world-size', '128', '--nodes', '16', '--fp8-gemm', '--deepep', '--tbo', '--decode-only'],
    ['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4'],
  ],
  // Serving a MoE model and a dense one.
  'fast-serving.cjs': [
    ['simulate', '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--world-size', '4', '--serving'],
    ['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--serving'],
  ],
}
for (const name of [...Object.keys(fastStarts), 'infersim.cjs']) rmSync(path.join(root, 'dist', `${name}.cache`), {force: true})
// One process per bundle runs all its lines, from a script file: the loader leaves the cache alone in a process
// started with options of its own (node -e among them).
const scratch = mkdtempSync(path.join(tmpdir(), 'infersim-warm-'))
try {
  for (const [name, runs] of Object.entries(fastStarts)) {
    const script = path.join(scratch, 'warm.cjs')
    writeFileSync(
      script,
      `const fast = require(${JSON.stringify(path.join(root, 'bin', 'cli-loader.cjs'))}).loadBundle(${JSON.stringify(name)});
(async () => { for (const argv of ${JSON.stringify(runs)}) await fast.runFastStart(argv) })()`,
    )
    execFileSync('node', [script], {cwd: root, stdio: 'ignore'})
  }
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
execFileSync('node', [path.join(root, 'bin', 'run.js'), 'simulate', '--model', 'qwen3-8b', '--gpu', 'H20'], {cwd: root, stdio: 'ignore', env: {...process.env, INFERSIM_FAST_START: '0'}})
