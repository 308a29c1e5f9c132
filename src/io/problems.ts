/**
 * What is wrong with a file that would not parse, said without its bytes.
 * Parsers quote the text around a syntax error ("root:x:0:0"... is not
 * valid JSON); a user may point a reader at any file, so messages give the
 * place (line, column) and the kind of problem, never the content.
 */

/** A text that is no text: NUL bytes, or bytes that are not UTF-8 (decoded as U+FFFD). */
export function binaryProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'is a binary file, not text'
  if (text.includes('\uFFFD')) return 'is not UTF-8 text (a binary file?)'
  return undefined
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let start = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      start = i + 1
    }
  }
  return {line, column: offset - start + 1}
}

/** Whether `prefix` could begin a valid JSON text: it parses, or the parser runs out of text before finding an error. */
function validSoFar(prefix: string): boolean {
  try {
    JSON.parse(prefix)
    return true
  } catch (error) {
    const message = (error as Error).message
    const at = /at position (\d+)/.exec(message)
    return /end of JSON input/i.test(message) || (at !== null && Number(at[1]) >= prefix.length)
  }
}

/**
 * Where a text stops being JSON: the shortest prefix that cannot begin a
 * valid JSON text ends at the offending character. Found by bisection, as
 * the parser's own message quotes the text instead of giving the place.
 */
function jsonErrorOffset(text: string): number {
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (validSoFar(text.slice(0, mid + 1))) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Why `text` (a file, or with `oneLine` one line of a JSON Lines file) is
 * not JSON, with the place, for a text JSON.parse rejected. Reads after
 * "<file> ...".
 */
export function jsonProblem(text: string, oneLine = false): string {
  const binary = binaryProblem(text)
  if (binary) return binary
  if (text.trim() === '') return 'is empty, not JSON'
  const offset = jsonErrorOffset(text)
  if (offset >= text.length) return 'is not valid JSON: it ends before the JSON value does (truncated?)'
  const {line, column} = lineColumn(text, offset)
  return `is not valid JSON: unexpected character at ${oneLine ? '' : `line ${line}, `}column ${column}`
}

const words = (code: string) => code.replace(/^CSV_/, '').toLowerCase().replace(/_/g, ' ')

/** A csv-parse error by its code and line (its message quotes the field). */
export function csvProblem(error: unknown): string {
  const e = error as {code?: string; lines?: number}
  const what = e.code ? words(e.code) : 'malformed CSV'
  return e.lines ? `line ${e.lines}: ${what}` : what
}

/** A YAML parse error by its code and place (its message shows the lines around it). */
export function yamlProblem(error: unknown): string {
  const e = error as {code?: string; linePos?: {line: number; col: number}[]}
  const what = e.code ? words(e.code) : 'not valid YAML'
  const at = e.linePos?.[0]
  return at ? `${what} at line ${at.line}, column ${at.col}` : what
}

/**
 * A library's message about a file, cut to what describes the problem: its
 * first line, quoted parts and anything but plain printable text left out.
 */
export function libraryProblem(error: unknown): string {
  const first = String((error as Error)?.message ?? error).split('\n', 1)[0]
  const cleaned = first
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '(...)')
    .replace(/[^\x20-\x7E]/g, '')
    .trim()
  return cleaned.length > 100 ? `${cleaned.slice(0, 100)}...` : cleaned || 'unreadable'
}
