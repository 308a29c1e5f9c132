// Bundles the CLI (our code and @oclif/core) into dist/infersim.mjs: one file
// loads far faster than hundreds of modules, which is most of a command's
// start-up time. Every file under src/commands becomes a command (oclif's
// "explicit" discovery strategy reads the COMMANDS export of the bundle).
import {readdirSync, statSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
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

await build({...options, entryPoints: [entry], outfile: path.join(root, 'dist', 'infersim.mjs')})
// A worker thread runs a script of its own: the sweep's worker (src/sweep/worker.ts).
await build({...options, entryPoints: [path.join(root, 'src', 'sweep', 'worker.ts')], outfile: path.join(root, 'dist', 'sweep-worker.mjs')})
