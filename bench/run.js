// npm run bench: runs every benchmark in bench/ (each a plain node script printing its figures).
import {execFileSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const dir = path.dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'run.js').sort()) {
  if (only.length > 0 && !only.some((o) => file.includes(o))) continue
  console.log(`\n== bench/${file}`)
  execFileSync('node', ['--expose-gc', path.join(dir, file)], {stdio: 'inherit'})
}
