// Commands run from the bundle dist/infersim.cjs (oclif explicit strategy, bin/cli-loader.cjs); build it once before the suite.
// Type errors are caught by `npm run build` (npm ci runs it); here tsc's output is not required.
import {spawnSync} from 'node:child_process'
import {mkdirSync, rmSync} from 'node:fs'

export default function setup(): () => void {
  // The run's scratch folder (vitest.config.ts): the tests' temporary folders, removed when the run ends.
  const scratch = process.env.SCRATCH_OF_INFERSIM_TESTS
  if (scratch) mkdirSync(scratch, {recursive: true})
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {stdio: 'ignore'})
  for (const [cmd, args] of [
    ['node', ['scripts/compile-schemas.mjs']],
    ['node', ['scripts/build-table-cache.mjs']],
    ['node', ['scripts/bundle.mjs']],
    ['npx', ['oclif', 'manifest']],
    ['node', ['scripts/warm-cache.mjs']],
  ] as const) {
    const r = spawnSync(cmd, [...args], {stdio: 'pipe', encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`)
  }
  return () => {
    if (scratch) rmSync(scratch, {recursive: true, force: true})
  }
}
