/**
 * Errors meant for the user: one clear message, no stack trace.
 * `usage` errors (bad flags, impossible deployments) exit 2, everything else 1.
 */
export type ErrorKind = 'usage' | 'input'

export class InfersimError extends Error {
  readonly kind: ErrorKind
  /** Details as data, added to the error object under --json (e.g. every rejected row). */
  readonly data?: Record<string, unknown>
  constructor(message: string, kind: ErrorKind = 'input', data?: Record<string, unknown>) {
    super(message)
    this.name = 'InfersimError'
    this.kind = kind
    this.data = data
  }

  get exitCode(): number {
    return this.kind === 'usage' ? 2 : 1
  }
}

export const usageError = (message: string) => new InfersimError(message, 'usage')
export const inputError = (message: string) => new InfersimError(message, 'input')
