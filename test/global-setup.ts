// Commands run from dist/ (oclif loads compiled commands); build once before the suite.
import {execSync} from 'node:child_process'

export default function setup(): void {
  execSync('npx tsc -p tsconfig.build.json && npx oclif manifest', {stdio: 'inherit'})
}
