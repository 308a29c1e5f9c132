import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The infersim package root, found by walking up from this module: the same
 * answer from src/ (tests), dist/ (compiled) and dist/infersim.cjs (bundle).
 */
export function findPackageRoot(fromUrl: string): string {
  let dir = path.dirname(fileURLToPath(fromUrl))
  for (;;) {
    const pjson = path.join(dir, 'package.json')
    if (existsSync(pjson) && /"name":\s*"infersim"/.test(readFileSync(pjson, 'utf8'))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`infersim package root not found above ${fileURLToPath(fromUrl)}`)
    dir = parent
  }
}
