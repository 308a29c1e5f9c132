// Loads the bundled CLI (dist/infersim.cjs) with V8's code cache: compiling
// the bundle is most of a command's start-up, and a cached compile is about
// half as long. The cache (dist/infersim.cjs.cache) is written on first use,
// atomically; a cache V8 rejects (other Node version or flags) is ignored.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const file = path.join(__dirname, '..', 'dist', 'infersim.cjs')
const cacheFile = `${file}.cache`

// Code compiled from a cache has no dynamic-import callback of its own (Node 20): the bundle's
// import() of external libraries (execa, hyparquet, yaml) comes here (scripts/bundle.mjs).
globalThis.__infersimImport = (specifier) => import(specifier)

function load() {
  const source = fs.readFileSync(file, 'utf8')
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {}
  const script = new vm.Script(Module.wrap(source), {filename: file, cachedData})
  const mod = {exports: {}}
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  if (!cachedData || script.cachedDataRejected) {
    // Written when the process ends, so that the functions this run compiled are cached too.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`
        fs.writeFileSync(tmp, script.createCachedData())
        fs.renameSync(tmp, cacheFile)
      } catch {}
    })
  }
  return mod.exports
}

module.exports = load()
