/**
 * GPU names as measurement files and users write them: AIConfigurator's system
 * names, a leading "NVIDIA", form factors and memory sizes in the name.
 */
import {describe, expect, it} from 'vitest'
import {findGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'

describe('findGpu', () => {
  const gpus = loadGpus()
  const name = (n: string) => findGpu(gpus, n)?.name

  it('reads AIConfigurator\'s system names and spellings with spaces, underscores or a leading NVIDIA', () => {
    expect(name('h100_sxm')).toBe('H100-SXM')
    expect(name('b200_sxm')).toBe('B200-SXM')
    expect(name('a100_sxm')).toBe('A100-SXM')
    expect(name('l40s')).toBe('L40S')
    expect(name('NVIDIA H100 SXM')).toBe('H100-SXM')
    expect(name('NVIDIA B200')).toBe('B200-SXM')
  })

  it('reads the form factors and memory sizes the datasheets name', () => {
    expect(name('H100-SXM5-80GB')).toBe('H100-SXM')
    expect(name('A100-SXM4-80GB')).toBe('A100-SXM')
    expect(name('H200-SXM5')).toBe('H200-SXM')
    // A GB200 GPU sits in a Grace-Blackwell board of an NVL72 rack; names that call it SXM mean the same GPU.
    expect(name('gb200_sxm')).toBe('GB200-NVL72')
    expect(name('GB200-NVL')).toBe('GB200-NVL72')
  })

  it('knows no GPU it has no entry for', () => {
    expect(name('H100-PCIe-94GB')).toBeUndefined()
    expect(name('NVIDIA')).toBeUndefined()
  })
})
