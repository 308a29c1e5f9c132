// Compiles every src/schemas/*.schema.json into a standalone ajv validator under
// dist/schemas/compiled/, so that loading data at run time does not pay for
// compiling schemas (ajv's compiler costs more than the whole simulation).
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const Ajv = require('ajv').default
const standaloneCode = require('ajv/dist/standalone').default

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = path.join(root, 'src', 'schemas')
const outDir = path.join(root, 'dist', 'schemas', 'compiled')
mkdirSync(outDir, {recursive: true})
for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.schema.json'))) {
  const ajv = new Ajv({allErrors: false, strict: false, code: {source: true}})
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(srcDir, file), 'utf8')))
  writeFileSync(path.join(outDir, file.replace('.schema.json', '.cjs')), standaloneCode(ajv, validate))
}
