/**
 * What an error message may repeat from a file the user gave. A file may be
 * anything (a binary, /etc/shadow under a .json name): messages name the
 * file and what is wrong, and repeat a value only when it is short and looks
 * like a name or a number, which is what a user needs to find it.
 */

/** Short names, numbers and relative names ("fp8", "batch_size", "1e15", "../x"): safe to repeat. */
const SHOWABLE = /^[\w./+-]{1,32}$/

/** `text` in quotes when it is a short name or number, else a description that repeats none of it. */
export function quoteText(text: string): string {
  if (text === '') return 'an empty value'
  return SHOWABLE.test(text) ? JSON.stringify(text) : `a value of ${text.length} characters (not shown)`
}

/** A JSON value for a message: numbers, booleans and null as they are; strings as quoteText; objects and lists by kind. */
export function describeValue(v: unknown): string {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'string') return quoteText(v)
  if (Array.isArray(v)) return 'a list'
  return typeof v === 'object' ? 'an object' : typeof v
}
