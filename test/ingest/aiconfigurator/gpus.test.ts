import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {gpuSpecFromSystem} from '../../../src/ingest/aiconfigurator/gpu-spec.js'
import {readSystemYaml} from '../../../src/ingest/aiconfigurator/systems.js'
import {readGpuFile} from '../../../src/io/gpus.js'
import {bundled} from '../../../src/io/paths.js'

const NEW = ['H100-SXM', 'H200-SXM', 'B200-SXM', 'GB200-NVL72', 'A100-SXM', 'L40S']
const HERE = path.dirname(fileURLToPath(import.meta.url))

describe('GPU entries from AIConfigurator system files', () => {
  const gpus = readGpuFile(bundled.gpus)

  it('data/gpus.json validates and holds the six GPUs beside the four compat entries', () => {
    expect(gpus.filter((g) => g.compat).map((g) => g.name)).toEqual(['H20', 'H800', 'H200', 'GB200'])
    for (const name of NEW) {
      const g = gpus.find((x) => x.name === name)
      expect(g, name).toBeDefined()
      expect(g!.compat).toBeUndefined()
      expect(g!.source).toMatch(/AIConfigurator systems\/.*\.yaml \(NVIDIA, Apache-2\.0\)/)
    }
  })

  it('the L40S entry is what its system yaml says (datasheet figures, derating, per-direction link halved)', async () => {
    const spec = await readSystemYaml(path.join(HERE, 'fixtures', 'systems', 'l40s.yaml'))
    const l40s = gpus.find((g) => g.name === 'L40S')!
    expect(gpuSpecFromSystem('L40S', 'l40s', spec, l40s.defaultMfu)).toEqual(l40s)
    expect(l40s).toMatchObject({fp16Tflops: 362.05, fp8Tflops: 733, memBwGBs: 864, memBwEfficiency: 0.8, nvlinkGBs: 64, nvlinkDirectionFactor: 0.5, gpusPerNode: 8})
  })
})
