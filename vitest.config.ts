import {availableParallelism, tmpdir} from 'node:os'
import path from 'node:path'
import {defineConfig} from 'vitest/config'

// Every temporary folder of the run (the tests' own and those of the commands they spawn) goes under one
// scratch folder, which test/global-setup.ts makes and removes: a run leaves nothing in the system's.
const scratch = path.join(tmpdir(), `infersim-test-run-${process.pid}`)
process.env.SCRATCH_OF_INFERSIM_TESTS = scratch

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // A worker per core: on two cores vitest's default ran one, and the suite took 300 s instead of 200.
    maxWorkers: availableParallelism(),
    // The user's own folder (engine fits, calibration fits) is a scratch folder of this run:
    // tests neither read a developer's fits nor write into their home. Tables read outside
    // the bundled ones are cached under .tmp, not in the user's cache folder.
    env: {
      TMPDIR: scratch,
      TMP: scratch,
      TEMP: scratch,
      INFERSIM_HOME: path.join(scratch, 'home'),
      INFERSIM_CACHE_DIR: path.resolve('.tmp', 'test-cache'),
    },
  },
})
