import path from 'node:path'
import {findPackageRoot} from '../util/package-root.js'

/** The package root (works from src/ under vitest, from dist/ and from the bundle). */
export const PACKAGE_ROOT = findPackageRoot(import.meta.url)

export const bundled = {
  benchData: path.join(PACKAGE_ROOT, 'bench_data'),
  hfConfigs: path.join(PACKAGE_ROOT, 'hf_configs'),
  gpus: path.join(PACKAGE_ROOT, 'data', 'gpus.json'),
  engines: path.join(PACKAGE_ROOT, 'data', 'engines'),
  launchFlags: path.join(PACKAGE_ROOT, 'data', 'launch-flags.json'),
  calibration: path.join(PACKAGE_ROOT, 'calibration'),
  schemas: path.join(PACKAGE_ROOT, 'src', 'schemas'),
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p
}
