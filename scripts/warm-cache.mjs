// Writes V8's code cache of the bundle (dist/infersim.cjs.cache) from one
// representative simulation, so that the functions a simulation compiles are
// cached too (bin/cli-loader.cjs writes the cache at the end of a run that had none).
import {execFileSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
rmSync(path.join(root, 'dist', 'infersim.cjs.cache'), {force: true})
execFileSync('node', [path.join(root, 'bin', 'run.js'), 'simulate', '--model', 'qwen3-8b', '--gpu', 'H20'], {cwd: root, stdio: 'ignore'})
