#!/usr/bin/env node
// The CLI is bundled into one file and loaded with V8's code cache (bin/cli-loader.cjs, scripts/bundle.mjs).
import {createRequire} from 'node:module'

const {execute} = createRequire(import.meta.url)('./cli-loader.cjs')
await execute({dir: import.meta.url})
