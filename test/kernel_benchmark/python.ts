/**
 * Which Python runs the kernel benchmark's tests. Plan and format tests need
 * no torch (python3, or INFERSIM_PYTHON). Runs that time kernels on the CPU
 * need torch: INFERSIM_PYTHON when set, else the first of python3 and
 * /usr/bin/python3 (Debian's python3-torch, which .ci/run installs) that imports it.
 * Without one they are skipped, saying why, so that `npm test` passes on a
 * fresh clone; CI sets INFERSIM_REQUIRE_TORCH=1, and there they fail instead.
 */
import {execa} from 'execa'

export const PYTHON = process.env.INFERSIM_PYTHON ?? 'python3'

/** The environment variables the test suite reads and the CLI does not. */
export const TEST_SETTINGS = ['INFERSIM_PYTHON', 'INFERSIM_REQUIRE_TORCH']

const imports = async (python: string, modules: string) => (await execa(python, ['-c', `import ${modules}`], {reject: false})).exitCode === 0

let found: Promise<string | undefined> | undefined

export function torchPython(): Promise<string | undefined> {
  found ??= (async () => {
    const candidates = process.env.INFERSIM_PYTHON ? [process.env.INFERSIM_PYTHON] : ['python3', '/usr/bin/python3']
    for (const python of candidates) if (await imports(python, 'torch, torch.distributed')) return python
    return undefined
  })()
  return found
}

export const NO_TORCH =
  'no Python with torch for the CPU runs: run .ci/run (it installs Debian\'s python3-torch), or set INFERSIM_PYTHON to a Python that has torch'

/** True where the CPU runs are to be skipped: no Python has torch and INFERSIM_REQUIRE_TORCH is not 1 (it prints why). */
export async function skipWithoutTorch(): Promise<boolean> {
  if ((await torchPython()) || process.env.INFERSIM_REQUIRE_TORCH === '1') return false
  console.warn(`skipping the kernel benchmark's CPU runs: ${NO_TORCH}`)
  return true
}
