import {tmpdir} from 'node:os'
import path from 'node:path'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // The user's own folder (engine fits, calibration fits) is a scratch folder of this run:
    // tests neither read a developer's fits nor write into their home. Tables read outside
    // the bundled ones are cached under .tmp, not in the user's cache folder.
    env: {INFERSIM_HOME: path.join(tmpdir(), `infersim-test-home-${process.pid}`), INFERSIM_CACHE_DIR: path.resolve('.tmp', 'test-cache')},
  },
})
