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

  // AIConfigurator's system names, spellings with spaces, underscores or a leading NVIDIA, and the form
  // factors and memory sizes datasheets name. A GB200 GPU sits in a Grace-Blackwell board of an NVL72
  // rack; names that call it SXM mean the same GPU.
  const spellings: [string, string][] = [
    ['h100_sxm', 'H100-SXM'],
    ['b200_sxm', 'B200-SXM'],
    ['a100_sxm', 'A100-SXM'],
    ['l40s', 'L40S'],
    ['NVIDIA H100 SXM', 'H100-SXM'],
    ['NVIDIA B200', 'B200-SXM'],
    ['H100-SXM5-80GB', 'H100-SXM'],
    ['A100-SXM4-80GB', 'A100-SXM'],
    ['H200-SXM5', 'H200-SXM'],
    ['gb200_sxm', 'GB200-NVL72'],
    ['GB200-NVL', 'GB200-NVL72'],
  ]
  it.each(spellings)('reads %s as %s', (written, gpu) => {
    expect(name(written)).toBe(gpu)
  })

  it('knows no GPU it has no entry for', () => {
    expect(name('H100-PCIe-94GB')).toBeUndefined()
    expect(name('NVIDIA')).toBeUndefined()
  })
})
