// Loads a bundle of the CLI (dist/fast.cjs, dist/infersim.cjs) with V8's code cache: compiling
// a bundle is most of a command's start-up, and a cached compile is about half as long. The
// cache (dist/<bundle>.cache) is written on first use, atomically; a cache V8 rejects (other
// Node version or flags) is ignored, and replaced by a process run without options of its own.
// Each bundle is evaluated once per process.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

// Code compiled from a cache has no dynamic-import callback of its own (Node 20): the bundles'
// import() of external libraries (execa, hyparquet, yaml) comes here (scripts/bundle.mjs).
globalThis.__infersimImport = (specifier) => import(specifier)

const loaded = new Map()

function loadBundle(name) {
  const file = path.join(__dirname, '..', 'dist', name)
  if (loaded.has(file)) return loaded.get(file)
  const cacheFile = `${file}.cache`
  const source = fs.readFileSync(file, 'utf8')
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {}
  // The bundle is stored inside the CommonJS wrapper (scripts/bundle.mjs): compiled as read, no copy.
  const script = new vm.Script(source, {filename: file, cachedData})
  const mod = {exports: {}}
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  // A process started with options of its own (NODE_OPTIONS, node's command-line options) may run V8 with other
  // flags, and V8 rejects a cache made under other flags: such a process leaves the cache there as it is.
  const ownOptions = Boolean(process.env.NODE_OPTIONS) || process.execArgv.length > 0
  if ((!cachedData || script.cachedDataRejected) && !ownOptions) {
    // Written when the process ends, so that the functions this run compiled are cached too.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`
        fs.writeFileSync(tmp, script.createCachedData())
        fs.renameSync(tmp, cacheFile)
      } catch {}
    })
  }
  loaded.set(file, mod.exports)
  return mod.exports
}

module.exports = {loadBundle}
