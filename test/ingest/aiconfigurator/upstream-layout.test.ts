/**
 * AIConfigurator's current layout keeps the tables under systems/data/<gpu>/
 * and the system files in systems/<gpu>.yaml: the import finds the GPU there
 * (not "data") and imports the same tables as from the older layout.
 */
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {discover} from '../../../src/ingest/aiconfigurator/discover.js'
import {runJson} from '../../helpers/cli.js'

const SYSTEMS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'systems')

describe('AIConfigurator systems/data/<gpu>/ layout', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'infersim-aic-upstream-'))
  afterAll(() => rmSync(tmp, {recursive: true, force: true}))
  const upstream = path.join(tmp, 'systems')
  cpSync(path.join(SYSTEMS, 'l40s'), path.join(upstream, 'data', 'l40s'), {recursive: true})
  cpSync(path.join(SYSTEMS, 'l40s.yaml'), path.join(upstream, 'l40s.yaml'))

  it('names the GPU by its folder under data/ and finds its yaml in systems/', () => {
    const old = discover(SYSTEMS)
    const found = discover(upstream)
    expect(new Set(found.tables.map((t) => t.system))).toEqual(new Set(['l40s']))
    expect(found.tables.every((t) => t.yaml === path.join(upstream, 'l40s.yaml'))).toBe(true)
    expect(found.tables.map((t) => t.rel).sort()).toEqual(old.tables.map((t) => t.rel.replace(/^systems\//, 'systems/data/')).sort())
    expect(found.tables.map((t) => t.version).sort()).toEqual(old.tables.map((t) => t.version).sort())
  })

  it('imports the same tables as the older layout', async () => {
    const before = await runJson(['ingest', '--format', 'aiconfigurator', SYSTEMS, '--out', path.join(tmp, 'a'), '--dry-run'])
    const after = await runJson(['ingest', '--format', 'aiconfigurator', upstream, '--out', path.join(tmp, 'b'), '--dry-run'])
    expect(after.exitCode).toBe(0)
    expect(after.json.gpus).toEqual([expect.objectContaining({name: 'L40S', system: 'l40s', known: true})])
    expect(after.json.tables.map((t: {path: string}) => t.path).sort()).toEqual(before.json.tables.map((t: {path: string}) => t.path).sort())
  })
})
