/**
 * Names that come from data (GPU, shape key, op) become folder and file
 * names: only plain names are accepted, so nothing can be written outside
 * the output folder.
 */
export const DTYPES = ['bf16', 'fp16', 'fp8', 'fp8_block', 'int8', 'int4', 'nvfp4', 'fp32'] as const
export const KV_DTYPES = ['bf16', 'fp16', 'fp8'] as const

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Why `name` cannot be a folder or file name, or undefined when it can. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > 100) return 'it is longer than 100 characters'
  if (name.includes('..')) return "it contains '..'"
  if (!SAFE_NAME.test(name)) return "only letters, digits, '.', '_' and '-' are allowed (no '/', '\\' or spaces)"
  return undefined
}

/** The bench_data folder of a GPU: its name in lower case (the reference's convention). */
export const gpuFolderName = (gpu: string) => gpu.trim().toLowerCase()

export const isDtype = (s: string) => (DTYPES as readonly string[]).includes(s)
export const isKvDtype = (s: string) => (KV_DTYPES as readonly string[]).includes(s)
