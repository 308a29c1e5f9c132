/**
 * The package stands alone: no code comment, schema, document or help text
 * points to a specification that does not ship with it ("SPEC A5", "part B",
 * "(B7)"). Things are named by what they do; the model is written down in
 * docs/model.md and docs/profiles.md.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, runBin} from '../helpers/cli.js'

/** References to the unshipped document: the word SPEC, its part B, a bare section id in brackets or after fix/defect. */
const REFERENCE = [/\bSPEC\b/, /\bpart[- ]B\b/i, /\((?:SPEC )?[AB][0-9]{1,2}[),:;]/, /\b(?:fix|defect|section)\s+[AB][0-9]{1,2}\b/i]

/** Files under `dir` (relative to the root) whose name `keep` accepts, at any depth. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(path.join(ROOT, dir), {withFileTypes: true}).flatMap((e) => {
    const rel = `${dir}/${e.name}`
    if (e.isDirectory()) return filesUnder(rel, keep)
    return e.isFile() && keep(e.name) ? [rel] : []
  })
}

const referencesIn = (text: string) =>
  text.split('\n').flatMap((line, i) => (REFERENCE.some((re) => re.test(line)) ? [`${i + 1}: ${line.trim()}`] : []))

const SHIPPED_TEXT = [
  ...filesUnder('src', (name) => name.endsWith('.ts')),
  ...filesUnder('src/schemas', (name) => name.endsWith('.json')),
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'README.md',
  'bench_data/README.md',
  'data/gpus.json',
].sort()

const COMMANDS = ['simulate', 'sweep', 'calibrate', 'ingest', 'mfu', 'models', 'gpus', 'tables', 'tables score']

describe('no references to an unshipped specification', () => {
  it('the pattern finds what it guards against and leaves GPU names alone', () => {
    expect(referencesIn('/** Weight bytes (SPEC A3). */\nadds the fixes of part B\nfallback (B7)\nMLA with Htp (fix B4)')).toHaveLength(4)
    expect(referencesIn('A100-SXM, B200, GB200-NVL72, H200 (141 GB); the spec of a GPU; --gpu-spec')).toEqual([])
  })

  it('source, schemas, docs and READMEs name things by what they do', () => {
    expect(SHIPPED_TEXT.length).toBeGreaterThan(100)
    const found = SHIPPED_TEXT.flatMap((file) =>
      referencesIn(readFileSync(path.join(ROOT, file), 'utf8')).map((hit) => `${file}:${hit}`),
    )
    expect(found).toEqual([])
  })

  it('no command help cites it', async () => {
    const runs = await Promise.all(COMMANDS.map(async (command) => ({command, ...(await runBin([...command.split(' '), '--help']))})))
    for (const r of runs) {
      expect(r.exitCode, `${BIN} ${r.command} --help`).toBe(0)
      expect(r.stdout, r.command).toMatch(/USAGE/)
      expect(referencesIn(r.stdout + r.stderr), r.command).toEqual([])
    }
  })
})
