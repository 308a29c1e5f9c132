import path from 'node:path'
import {homeDir} from '../util/home-dir.js'
import {findPackageRoot} from '../util/package-root.js'

/** Set by the CommonJS bundles of the CLI (scripts/bundle.mjs): their package root, without a walk up the folders. */
declare const __infersimPackageRoot: string | undefined

/** The package root (works from src/ under vitest, from dist/ and from the bundles). */
export const PACKAGE_ROOT = typeof __infersimPackageRoot === 'string' ? __infersimPackageRoot : findPackageRoot(import.meta.url)

export const bundled = {
  benchData: path.join(PACKAGE_ROOT, 'bench_data'),
  hfConfigs: path.join(PACKAGE_ROOT, 'hf_configs'),
  gpus: path.join(PACKAGE_ROOT, 'data', 'gpus.json'),
  engines: path.join(PACKAGE_ROOT, 'data', 'engines'),
  launchFlags: path.join(PACKAGE_ROOT, 'data', 'launch-flags.json'),
  modelIds: path.join(PACKAGE_ROOT, 'data', 'model-ids.json'),
  calibration: path.join(PACKAGE_ROOT, 'calibration'),
  schemas: path.join(PACKAGE_ROOT, 'src', 'schemas'),
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p
}

/**
 * The user's infersim folder, for what the user's own runs produce and later
 * runs read (engine fits, calibration fits): $INFERSIM_HOME, else
 * $XDG_CONFIG_HOME/infersim, else ~/.config/infersim. Never inside the package.
 */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFERSIM_HOME) return path.resolve(env.INFERSIM_HOME)
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homeDir(env), '.config')
  return path.join(config, 'infersim')
}

export const userEngineDir = () => path.join(userDir(), 'engines')
export const userFitFile = () => path.join(userDir(), 'fit.json')
