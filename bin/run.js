#!/usr/bin/env node
// infersim's entry: a plain `infersim simulate ...` runs in the fast start (dist/fast.cjs, or dist/fast-serving.cjs
// with --serving; no oclif, src/cli/fast-start.ts); every other command line, and any it does not read whole, runs in oclif
// (dist/infersim.cjs). Each bundle loads with V8's code cache (bin/cli-loader.cjs, scripts/bundle.mjs).
'use strict'
const path = require('node:path')
const {loadBundle} = require('./cli-loader.cjs')

async function main() {
  const argv = process.argv.slice(2)
  // A --serving line runs in the bundle with the serving model (dist/fast-serving.cjs); plain lines in the one without.
  const fast = argv.includes('--serving') ? 'fast-serving.cjs' : 'fast.cjs'
  if (argv[0] === 'simulate' && process.env.INFERSIM_FAST_START !== '0' && (await loadBundle(fast).runFastStart(argv))) {
    // The fast start's output is written synchronously (but on Windows): end now, rather than let Node first run
    // V8's pending tasks, such as a scavenge of the heap the process is about to drop (milliseconds of a start-up).
    if (process.platform !== 'win32') process.exit()
    return
  }
  await loadBundle('infersim.cjs').execute({dir: path.join(__dirname, '..')})
}

main()
