/**
 * Whether this build holds the serving model. It always does, but in the
 * plain fast start (dist/fast.cjs), which scripts/bundle.mjs builds with
 * src/cli/serving-left-out.ts in place of this file and of the serving
 * model: `simulate --serving` runs in dist/fast-serving.cjs instead.
 */
export const servingInBundle = true
