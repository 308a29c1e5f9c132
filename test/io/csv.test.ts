/** The one CSV reader (csv-parse, or a split of plain unquoted texts that reads the same) under every table, ingest and sweep read: quoting, BOM, line numbers, errors. */
import {Readable} from 'node:stream'
import fc from 'fast-check'
import {parse as parseSync} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {parseCsv, streamCsv} from '../../src/io/csv.js'
import {parseTableCsv} from '../../src/io/tables.js'
import {layoutById} from '../../src/ingest/layouts/catalog.js'
import {readTableCsv} from '../../src/ingest/readers/csv.js'
import {makeTarget} from '../../src/ingest/target.js'

const source = {display: 'in.csv', recorded: 'in.csv', sha256: 'a'.repeat(64)}

describe('parseCsv', () => {
  it('reads quoted fields (commas, doubled quotes, newlines) and gives each record the line it starts on', () => {
    const text = 'a,b\r\n\r\n"x, y","say ""hi"""\r\n  1 ,"two\nlines"\n3,4\n'
    expect(parseCsv(text, 'f.csv')).toEqual([
      {line: 1, cells: ['a', 'b']},
      {line: 3, cells: ['x, y', 'say "hi"']},
      {line: 4, cells: ['1', 'two\nlines']},
      {line: 6, cells: ['3', '4']},
    ])
  })

  it('drops a UTF-8 byte-order mark and blank lines', () => {
    expect(parseCsv('\uFEFFm,k\n\n   \n1,2', 'f.csv')).toEqual([
      {line: 1, cells: ['m', 'k']},
      {line: 4, cells: ['1', '2']},
    ])
  })

  it('names the file and line of broken quoting, without the cell text', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n', 'f.csv')).toThrow(/^f\.csv: line 3: a quoted field is never closed \(the file ends inside it\)$/)
    expect(() => parseCsv('a,b\n1,x"secret\n', 'f.csv')).toThrow(/^f\.csv: line 2: a quote inside an unquoted field/)
  })

  it('streams the same records', async () => {
    const text = 'a,b\n\n"1,5",2\n3,"4\n4"\n5,6'
    const streamed = []
    for await (const r of streamCsv(Readable.from([text.slice(0, 7), text.slice(7)]), 'f.csv')) streamed.push(r)
    expect(streamed).toEqual(parseCsv(text, 'f.csv'))
  })
})

describe('kernel tables through the reader', () => {
  it('keeps text columns, numbers and line numbers, and now reads a quoted cell as its value', () => {
    const t = parseTableCsv('dtype,seq_len,latency_us,mfu\n\n"bf16",1024,110.5,0.52\r\nfp8, 2048 ,60,0.9\n', 'mha/prefill/h20/32-4-128.csv')
    expect(t.columns).toEqual(['dtype', 'seq_len', 'latency_us', 'mfu'])
    expect(t.rows).toEqual([
      {line: 3, values: {dtype: 'bf16', seq_len: 1024, latency_us: 110.5, mfu: 0.52}},
      {line: 4, values: {dtype: 'fp8', seq_len: 2048, latency_us: 60, mfu: 0.9}},
    ])
  })

  it('errors name the file and line as before', () => {
    expect(() => parseTableCsv('m,k\n1,2\n3\n', 'g.csv', 'bench/g.csv')).toThrow('bench/g.csv: line 3 has 1 cells, the header has 2')
    expect(() => parseTableCsv('m,k\n1,x\n', 'g.csv')).toThrow('g.csv: line 2, column "k": "x" is not a number')
    expect(() => parseTableCsv('\n1,2\n', 'g.csv')).toThrow('g.csv: empty table (no header row)')
  })

  it('ingest reads a quoted dtype and a quoted header like any other cell', () => {
    const target = makeTarget(layoutById('mha-prefill'), 'h20', '32-4-128', {heads: 32, kv_heads: 4, head_dim: 128})
    const r = readTableCsv('"dtype","seq_len","latency_us","mfu"\n"bf16",1024,110.493,0.525\n', target, source)
    expect(r.issues).toEqual([])
    expect(r.rows[0]).toMatchObject({line: 2, values: {dtype: 'bf16', seq_len: 1024, latency_us: 110.493, mfu: 0.525}})
  })
})

describe('plain texts (no quotes) split without the parser', () => {
  it('give the records and lines csv-parse gives, for any unquoted text', () => {
    const parserOptions = {bom: true, trim: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n']}
    const viaParser = (text: string) => {
      let line = 1
      const out: {line: number; cells: string[]}[] = []
      for (const cells of parseSync(text, parserOptions) as string[][]) {
        if (!(cells.length === 1 && cells[0] === '')) out.push({line, cells})
        line++
      }
      return out
    }
    const piece = fc.constantFrom('a', '12', ',', ' ', '\t', '\n', '\r\n', 'x.y', '-', '\uFEFF', 'é')
    fc.assert(
      fc.property(fc.array(piece, {maxLength: 30}), (pieces) => {
        const text = pieces.join('')
        expect(parseCsv(text, 'plain.csv')).toEqual(viaParser(text))
      }),
      {seed: 20261130, numRuns: 3000},
    )
  })
})
