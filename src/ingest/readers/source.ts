/** Facts about an input file, for provenance. */
import {createHash} from 'node:crypto'
import path from 'node:path'
import {displayPath} from '../../io/paths.js'
import type {SourceInfo, SourceNotes} from '../types.js'

export type {SourceNotes}

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

/** Path recorded in provenance: relative to the output root when inside it, so a rebuilt tree records the same paths anywhere. */
export function recordedPath(file: string, outRoot: string): string {
  const rel = path.relative(path.resolve(outRoot), path.resolve(file))
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/')
  return displayPath(path.resolve(file)).split(path.sep).join('/')
}

/** Facts about an input; `sha256` is its hash, or the content to hash. */
export function sourceInfo(file: string, content: string | Buffer | {sha256: string}, outRoot: string, notes: SourceNotes = {}): SourceInfo {
  const hash = typeof content === 'object' && 'sha256' in content ? content.sha256 : sha256(content)
  const info: SourceInfo = {display: displayPath(path.resolve(file)), recorded: recordedPath(file, outRoot), sha256: hash}
  for (const [k, v] of Object.entries(notes)) if (v !== undefined) (info as unknown as Record<string, unknown>)[k] = v
  return info
}
