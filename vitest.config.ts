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
    // Tables the tests read outside the bundled ones are cached here, not in the user's cache folder.
    env: {INFERSIM_CACHE_DIR: path.resolve('.tmp', 'test-cache')},
  },
})
