// Commands run from dist/ (oclif loads compiled commands); build once before the suite.
// Type errors are caught by `npm run build` (npm ci runs it); here tsc still emits on errors.
import {spawnSync} from 'node:child_process'

export default function setup(): void {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {stdio: 'ignore'})
  const manifest = spawnSync('npx', ['oclif', 'manifest'], {stdio: 'ignore'})
  if (manifest.status !== 0) throw new Error('oclif manifest failed: run `npm run build` to see why')
}
