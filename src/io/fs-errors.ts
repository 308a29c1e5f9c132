/**
 * A file-system failure in words, without the paths Node puts in its
 * messages: those may be our temp files, and the caller names the user's path.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EXDEV: 'it is on another file system',
  EBUSY: 'it is busy',
  EIO: 'input/output error',
}

export function fsErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code
  if (code) return REASONS[code] ?? code
  return (error as Error)?.message ?? String(error)
}
