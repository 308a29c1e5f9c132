/**
 * `--concurrency` is a mean number of requests in flight per replica, so it
 * may be a fraction: 256 clients spread over 72 data-parallel GPUs are 3.56 a
 * GPU. The closed loop then still obeys Little's law.
 */
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

const base = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--tp', '4', '--world-size', '4', '--serving', '--engine', 'vllm', '--isl', '1024', '--osl', '512']

describe('fractional concurrency', () => {
  it('3.5 requests per replica: each request cycles through TTFT and 511 TPOTs, and 3.5 of them are in flight', async () => {
    const {json, exitCode} = await runJson([...base, '--concurrency', '3.5'])
    expect(exitCode).toBe(0)
    const s = json.serving
    expect(s.concurrency).toBe(3.5)
    // Little's law for a closed loop: in flight = request rate x time a request takes.
    expect((s.requestsPerSecond * (s.ttftMs + 511 * s.tpotMs)) / 1000).toBeCloseTo(3.5, 3)
    // The report's own decode step is a whole batch: 3.5 requests round up to 4.
    expect(json.decode.batch).toBe(4)
  })

  it('lies between its whole neighbours', async () => {
    const tpot = async (c: string) => (await runJson([...base, '--concurrency', c])).json.serving.tpotMs as number
    const [three, half, four] = [await tpot('3'), await tpot('3.5'), await tpot('4')]
    expect(half).toBeGreaterThan(three)
    expect(half).toBeLessThan(four)
  })

  it('a concurrency that is not a positive number is refused with the flag named', async () => {
    for (const bad of ['0', '-2', 'abc']) {
      const r = await runCli([...base, '--concurrency', bad])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toMatch(/concurrency/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
