import {describe, expect, it} from 'vitest'
import {releaseOf, versionBelow} from '../../src/util/version.js'
import {runCli} from '../helpers/cli.js'

describe('engine versions', () => {
  it('reads a release and whether it is a pre-release of it', () => {
    expect(releaseOf('1.0.0rc3')).toEqual({parts: [1, 0, 0], pre: true})
    expect(releaseOf('0.5.1.post1')).toEqual({parts: [0, 5, 1], pre: false})
    expect(releaseOf('v0.12.0')).toEqual({parts: [0, 12, 0], pre: false})
    expect(releaseOf('glm5-hopper')).toBeUndefined()
  })

  it.each([
    ['0.5.1.post1', '0.5.2', true],
    ['0.5.2rc1', '0.5.2', true],
    ['0.5.2', '0.5.2', false],
    ['0.5.2.post1', '0.5.2', false],
    ['0.5.10', '0.5.2', false],
    ['0.4', '0.5.2', true],
    ['1.0.0rc3', '1.0', true],
    ['glm5-hopper', '0.5.2', false],
  ] as const)('%s below %s: %s', (v, bound, below) => {
    expect(versionBelow(v, bound)).toBe(below)
  })
})

describe('simulate --serving with an engine version or --no-mixed-chunk', () => {
  const base = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '2', '--tp', '2', '--isl', '1024', '--osl', '128', '--serving', '--concurrency', '128', '--engine', 'sglang', '--json']
  const ttft = async (args: string[]) => {
    const r = await runCli([...base, ...args])
    expect(r.exitCode).toBe(0)
    return JSON.parse(r.stdout).serving
  }

  it('SGLang 0.5.1 waits for the wave of 128 prompts; without a version the engine file mixes chunks', async () => {
    const mixed = await ttft([])
    const old = await ttft(['--engine-version', '0.5.1'])
    const flag = await ttft(['--no-mixed-chunk'])
    expect(mixed.params.mixed_chunk).toBe(true)
    expect(old.params.mixed_chunk).toBe(false)
    expect(old.gpuDefaults.sources[0]).toMatch(/^SGLang 0\.5\.1 and earlier/)
    expect(flag.gpuDefaults.sources).toEqual(['--no-mixed-chunk'])
    // 128 x 1,024 tokens = 16 batches of 8,192: the mean request waits for 8.5 of them (about 3.5 s of 0.42 s batches),
    // where with mixed chunks it waits for about one prompt's prefill and the same fixed overheads (0.9 s)
    expect(old.ttftMs).toBeGreaterThan(3.5 * mixed.ttftMs)
    expect(old.ttftMs).toBeGreaterThan(8 * old.mixedStepMs)
    expect(flag.ttftMs).toBeCloseTo(old.ttftMs, 6)
    expect(old.meanDecodeBatch).toBe(128)
  })

  it('apply to --serving only: without it they are a usage error, not silently ignored', async () => {
    const r = await runCli(['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--engine-version', '0.5.1', '--no-mixed-chunk'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--engine-version, --mixed-chunk apply to --serving only/)
  })

  it('reads --engine-version as a release number, and says so when it is not one', async () => {
    const r = await runCli([...base.filter((a) => a !== '--json'), '--engine-version', 'latest'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--engine-version expects a release number such as 0\.5\.1 or 1\.0\.0rc3, got "latest"/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
