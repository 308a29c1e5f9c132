// Bundles the CLI (our code and @oclif/core) into dist/infersim.cjs: one file
// loads far faster than hundreds of modules, which is most of a command's
// start-up time, and bin/cli-loader.cjs keeps V8's compiled code for it
// (dist/infersim.cjs.cache), which halves the rest. Every file under
// src/commands becomes a command (oclif's "explicit" discovery strategy reads
// the COMMANDS export, through dist/commands.cjs).
import {readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import Module from 'node:module'
import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const commandsDir = path.join(root, 'src', 'commands')

function listCommands(dir, prefix = []) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) out.push(...listCommands(full, [...prefix, name]))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      const base = name.slice(0, -3)
      const id = base === 'index' ? prefix.join(':') : [...prefix, base].join(':')
      out.push({id, file: full})
    }
  }
  return out
}

const commands = listCommands(commandsDir)
const entryDir = path.join(root, 'dist')
mkdirSync(entryDir, {recursive: true})
const entry = path.join(entryDir, 'bundle-entry.ts')
const lines = commands.map((c, i) => `import C${i} from ${JSON.stringify(path.relative(entryDir, c.file).replace(/\\/g, '/').replace(/\.ts$/, '.js'))}`)
lines.push(`export const COMMANDS = {${commands.map((c, i) => `${JSON.stringify(c.id)}: C${i}`).join(', ')}}`)
lines.push(`export {execute, Config} from '@oclif/core'`)
lines.push(`export {COMMAND_NOT_FOUND} from '../src/cli/not-found.js'`)
writeFileSync(entry, lines.join('\n') + '\n')

const options = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Heavy libraries that only some commands need stay outside and load on demand.
  external: ['ajv', 'ajv/*', 'typescript', 'execa', 'hyparquet', 'hyparquet-compressors', 'yaml'],
  banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
  logLevel: 'warning',
  legalComments: 'none',
  minify: true,
  keepNames: true,
}

// CommonJS, so that the loader can compile it with a V8 code cache (vm.Script cachedData).
// Code compiled from a V8 cache loses its dynamic-import callback (Node 20), so the bundle's
// import() of external libraries goes through the loader's own import (bin/cli-loader.cjs).
async function buildCjs(entryPoint, name, extra = {}) {
  const out = path.join(root, 'dist', name)
  await build({
    ...options,
    ...extra,
    format: 'cjs',
    // import.meta.url is made when first read (a URL costs a start-up a fraction of a millisecond, and only
    // lazy code reads it), and the package root is named outright: the bundles live in <root>/dist.
    banner: {js: "const __importMeta = {get url() { return require('node:url').pathToFileURL(__filename).href }}; const __infersimPackageRoot = require('node:path').dirname(__dirname); const __dynamicImport = (s) => globalThis.__infersimImport(s);"},
    define: {'import.meta.url': '__importMeta.url'},
    entryPoints: [entryPoint],
    outfile: out,
  })
  // Every dynamic import() (ours and @oclif/core's module loader) becomes a call of the loader's import.
  // Stored inside the CommonJS wrapper, as the loader compiles it: wrapping it at each start made V8 copy
  // the whole text into one flat string before compiling.
  writeFileSync(out, Module.wrap(readFileSync(out, 'utf8').replace(/(?<![\w$.])import\(/g, '__dynamicImport(')))
  rmSync(`${out}.cache`, {force: true})
}
await buildCjs(entry, 'infersim.cjs')
// The fast start: `infersim simulate` without oclif (src/cli/fast-start.ts). keepNames is for oclif's
// classes: elsewhere it would name every closure a hot loop creates (a sweep runs measurably slower).
// Two of them: dist/fast.cjs without the serving model (src/cli/serving-left-out.ts stands in), so that a plain
// simulate neither reads nor compiles its code, and dist/fast-serving.cjs with it, for `simulate --serving` (bin/run.js).
const leaveOutServing = {
  name: 'leave-out-serving',
  setup(b) {
    b.onResolve({filter: /[/\\]serving[/\\](simulate|in-bundle)\.js$/}, () => ({path: path.join(root, 'src', 'cli', 'serving-left-out.ts')}))
  },
}
const fastStart = path.join(root, 'src', 'cli', 'fast-start.ts')
await buildCjs(fastStart, 'fast.cjs', {keepNames: false, plugins: [leaveOutServing]})
await buildCjs(fastStart, 'fast-serving.cjs', {keepNames: false})
writeFileSync(path.join(root, 'dist', 'commands.cjs'), "// oclif's explicit command target: the bundle, as loaded (and cached) by bin/cli-loader.cjs.\nmodule.exports = require('../bin/cli-loader.cjs').loadBundle('infersim.cjs')\n")
rmSync(path.join(root, 'dist', 'infersim.mjs'), {force: true})
// The library (src/index.ts, `import ... from 'infersim'`): one ES module, so that importing it loads one
// file; its types are tsc's declarations (dist/index.d.ts and the files it imports).
const hot = {...options, keepNames: false}
await build({...hot, entryPoints: [path.join(root, 'src', 'index.ts')], outfile: path.join(root, 'dist', 'library.js')})
// A worker thread runs a script of its own: the sweep's worker (src/sweep/worker.ts).
await build({...hot, entryPoints: [path.join(root, 'src', 'sweep', 'worker.ts')], outfile: path.join(root, 'dist', 'sweep-worker.mjs')})
