// One `infersim` command in a child process, as a user runs it (--json, no progress bar), with its wall time,
// its result, and the peak resident memory and CPU time (worker threads included) the process reports on exit.
// Shared by the benchmarks in bench/ (this folder is not run as one).
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const bin = path.join(root, 'bin', 'run.js')

const WRAPPER = `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nBENCH_USAGE ' + u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime) + '\\n') });
process.argv.splice(1, 0, ${JSON.stringify(bin)}); await import(${JSON.stringify(bin)})`

export function runOnce(args) {
  const t = performance.now()
  const r = spawnSync('node', ['--input-type=module', '-e', WRAPPER, ...args, '--json', '--no-progress'], {cwd: root, encoding: 'utf8', maxBuffer: 1 << 28})
  const wall = (performance.now() - t) / 1000
  if (r.status !== 0) throw new Error(`infersim ${args.join(' ')} failed (${r.status}):\n${r.stderr}`)
  const usage = /BENCH_USAGE (\d+) (\d+)/.exec(r.stderr)
  return {wall, result: JSON.parse(r.stdout), maxRssKb: usage ? Number(usage[1]) : Number.NaN, cpuSeconds: usage ? Number(usage[2]) / 1e6 : Number.NaN}
}
