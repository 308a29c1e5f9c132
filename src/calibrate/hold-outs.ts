/** What a held-out scheme of the serving fit leaves out: whole GPUs, whole models, or whole engine versions. */
export type HoldOut = 'gpu' | 'model' | 'version'

export const HOLD_OUTS: readonly HoldOut[] = ['gpu', 'model', 'version']
