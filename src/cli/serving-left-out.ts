/**
 * Stands in for src/serving/in-bundle.ts and src/serving/simulate.ts in the
 * plain fast start (dist/fast.cjs, scripts/bundle.mjs). A plain `simulate`
 * line then neither loads nor compiles the serving model: its code cache
 * would be read at every start. bin/run.js sends `--serving` lines to
 * dist/fast-serving.cjs, and the fast start leaves any other serving line
 * to oclif, so simulateServing is never called here.
 */
export const servingInBundle = false

export function simulateServing(): never {
  throw new Error('the serving model is not in this bundle: bin/run.js runs simulate --serving from dist/fast-serving.cjs')
}
