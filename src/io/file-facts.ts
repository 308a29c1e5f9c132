/**
 * What fstat says of a file that changes whenever the file is written or
 * replaced: device, inode, size, modification and change times. Two sets
 * of facts that agree are the same file, unwritten in between (a write sets
 * the change time, which no user command can set back).
 *
 * @example sameFacts(fileFacts(fstatSync(fd)), recorded) // true while the file is as it was
 */
export interface FileFacts {
  dev: number
  ino: number
  size: number
  mtimeMs: number
  ctimeMs: number
}

/** The facts of a stat (or of facts with more fields): only those fields, e.g. to record them. */
export const fileFacts = (s: FileFacts): FileFacts => ({dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs})

/** Whether two sets of facts describe the same, unwritten file (false when `a` is absent). */
export const sameFacts = (a: FileFacts | undefined, b: FileFacts): boolean =>
  a !== undefined && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs
