/**
 * The plain-table reader (src/io/plain-table.ts) against the general one:
 * on a plain text the same table, value for value (-0 and line numbers
 * included); on anything else no table, so the general reader (and its
 * errors) decides.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseCsv} from '../../src/io/csv.js'
import {parsePlainTable} from '../../src/io/plain-table.js'
import {TEXT_COLUMNS} from '../../src/io/tables.js'
import type {KernelTable} from '../../src/tables/types.js'
import {ROOT} from '../helpers/cli.js'

/** The general reader's table, built here from csv-parse's records as src/io/tables.ts reads them. */
function generalTable(text: string, relPath: string): KernelTable {
  const [head, ...records] = parseCsv(text, relPath)
  const columns = head.cells
  const rows = records.map((r) => ({
    line: r.line,
    values: Object.fromEntries(columns.map((c, i) => [c, TEXT_COLUMNS.has(c) ? r.cells[i] : r.cells[i] === '' ? Number.NaN : Number(r.cells[i])])),
  }))
  return {path: relPath, columns, rows}
}

function tablesUnder(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? (e.name === 'raw' ? [] : tablesUnder(p)) : e.name.endsWith('.csv') ? [p] : []
  })
}

describe('parsePlainTable', () => {
  it('reads every bundled table as the general reader does', () => {
    const files = tablesUnder(path.join(ROOT, 'bench_data'))
    expect(files.length).toBeGreaterThan(1000)
    const differences: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const plain = parsePlainTable(text, 'x.csv', TEXT_COLUMNS)
      const general = generalTable(text, 'x.csv')
      if (!plain || plain.columns.join() !== general.columns.join() || plain.rows.length !== general.rows.length) {
        differences.push(`${file}: ${plain ? 'columns or rows differ' : 'not read as plain'}`)
        continue
      }
      plain.rows.forEach((r, i) => {
        const g = general.rows[i]
        if (r.line !== g.line || Object.keys(r.values).join() !== Object.keys(g.values).join()) differences.push(`${file}:${r.line}`)
        for (const c of general.columns) if (!Object.is(r.values[c], g.values[c])) differences.push(`${file}:${r.line} ${c}`)
      })
    }
    expect(differences).toEqual([])
  })

  it('reads numbers as Number() does, CRLF lines and a last line without its ending', () => {
    const t = parsePlainTable('dtype,m,v\r\nbf16,-0,1.5e-7\r\nbf16,007,0x10\r\nfp8,3,-2.25', 't.csv', TEXT_COLUMNS)!
    expect(t.rows.map((r) => r.line)).toEqual([2, 3, 4])
    expect(Object.is(t.rows[0].values.m, -0)).toBe(true)
    expect(t.rows.map((r) => r.values)).toEqual([
      {dtype: 'bf16', m: -0, v: 1.5e-7},
      {dtype: 'bf16', m: 7, v: 16},
      {dtype: 'fp8', m: 3, v: -2.25},
    ])
  })

  it.each([
    ['m,v\n1,2\n\n3,4\n', 'a blank line'],
    ['m,v\n1,"2"\n', 'a quote'],
    ['m,v\n1, 2\n', 'a space before a cell'],
    ['m,v\n1,2 \n', 'a space after a cell'],
    ['m,v\n1,\n', 'an empty cell'],
    ['m,v\n1\n', 'a cell missing'],
    ['m,v\n1,2,3\n', 'a cell too many'],
    ['m,v\n1,x\n', 'a number that is not'],
    ['m,v\n1,Infinity\n', 'a number that is not finite'],
    ['m,v\n1,2\r3\n', 'a lone carriage return'],
    ['\ufeffm,v\n1,2\n', 'a byte-order mark'],
    ['1,2\n3,4\n', 'a first line of numbers'],
    ['m,v', 'no line after the header'],
    ['\nm,v\n1,2\n', 'a blank first line'],
  ])('leaves %j (%s) to the general reader', (text) => {
    expect(parsePlainTable(text, 't.csv', TEXT_COLUMNS)).toBeUndefined()
  })
})
