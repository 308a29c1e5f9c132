import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {duplicateIdProblems, parseMeasurements} from '../../src/calibrate/measurements.js'
import {InfersimError} from '../../src/errors.js'
import {HEADER, qwenDecodeRow} from './helpers.js'

const parse = (lines: string[]) => parseMeasurements(`${lines.join('\n')}\n`, 'm.csv', '/data')

describe('parseMeasurements', () => {
  it('reads a row into typed fields', () => {
    const {rows, problems} = parse([HEADER, qwenDecodeRow()])
    expect(problems).toEqual([])
    expect(rows).toHaveLength(1)
    const r = rows[0]
    expect(r).toMatchObject({id: 'Q8-DECODE', world_size: 1, fp8_gemm: 1, tbo: 0, decode_batch: 64, max_prefill_tokens: null, actual: 2682, line: 2, baseDir: '/data'})
  })

  it('accepts "max" as decode batch and carries extra columns as text', () => {
    const {rows, problems} = parse([`${HEADER},engine`, `${qwenDecodeRow({decode_batch: 'max'})},sglang`])
    expect(problems).toEqual([])
    expect(rows[0].decode_batch).toBe('max')
    expect(rows[0].extra).toEqual({engine: 'sglang'})
  })

  it('a header without a required column is a file error naming the column', () => {
    const header = HEADER.replace(',osl', '')
    expect(() => parse([header])).toThrow(InfersimError)
    expect(() => parse([header])).toThrow(/line 1: the header lacks column\(s\) osl/)
  })

  it.each([
    ['non-numeric value', qwenDecodeRow({isl: 'lots'}), /column "isl": "lots" is not a number/],
    ['flag not 0/1', qwenDecodeRow({tbo: 2}), /column "tbo": "2" must be 0 or 1/],
    ['non-numeric actual', qwenDecodeRow({actual: 'n/a'}), /column "actual": "n\/a" is not a number/],
    ['decode row without a batch', qwenDecodeRow({decode_batch: ''}), /a decode row needs decode_batch/],
    ['prefill row without prefill tokens', qwenDecodeRow({phase: 'prefill'}), /a prefill row needs max_prefill_tokens/],
    ['metric of another phase', qwenDecodeRow({metric: 'ttft_ms'}), /"ttft_ms" is not a decode metric/],
    ['unknown phase', qwenDecodeRow({phase: 'warmup'}), /"warmup" is not one of/],
    ['odd batch with tbo', qwenDecodeRow({tbo: 1, decode_batch: 65}), /odd: with tbo = 1/],
    ['a missing value', qwenDecodeRow({gpu: ''}), /missing value\(s\) for column\(s\) gpu/],
    ['a short row', qwenDecodeRow().split(',').slice(0, 10).join(','), /missing value\(s\) for column\(s\) isl, osl, phase/],
    ['negative actual', qwenDecodeRow({actual: -3}), /actual: must be > 0/],
  ])('%s is a problem naming the row', (_name, line, message) => {
    const {rows, problems} = parse([HEADER, qwenDecodeRow({id: 'GOOD'}), line])
    expect(rows.map((r) => r.id)).toEqual(['GOOD'])
    expect(problems).toHaveLength(1)
    expect(problems[0].line).toBe(3)
    expect(problems[0].message).toMatch(message)
  })

  it('a row with too many cells is a problem', () => {
    const {problems} = parse([HEADER, `${qwenDecodeRow()},surplus`])
    expect(problems[0].message).toMatch(/has 20 cells, the header has 19/)
  })

  it('finds duplicate ids across files, naming the first', () => {
    const a = parseMeasurements(`${HEADER}\n${qwenDecodeRow()}\n`, 'a.csv', '/a').rows
    const b = parseMeasurements(`${HEADER}\n${qwenDecodeRow()}\n`, 'b.csv', '/b').rows
    const {rows, problems} = duplicateIdProblems([...a, ...b])
    expect(rows).toHaveLength(1)
    expect(problems[0]).toMatchObject({file: 'b.csv', id: 'Q8-DECODE'})
    expect(problems[0].message).toMatch(/first used at a.csv line 2/)
  })

  it('keeps the base folder for relative model paths', () => {
    const {rows} = parseMeasurements(`${HEADER}\n${qwenDecodeRow({model: 'configs/x.json'})}\n`, 'm.csv', path.join('/tmp', 'meas'))
    expect(rows[0].baseDir).toBe(path.join('/tmp', 'meas'))
  })
})
