#!/usr/bin/env node
// The CLI is bundled into one file (scripts/bundle.mjs): loading one module is most of the start-up saved.
import {execute} from '../dist/infersim.mjs'

await execute({dir: import.meta.url})
