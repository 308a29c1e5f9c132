#!/usr/bin/env node
// Runs the compiled commands after rebuilding; use `npm run build` for a full build.
'use strict'
const {execSync} = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
execSync('npx tsc -p tsconfig.build.json', {cwd: root, stdio: 'inherit'})
import('@oclif/core').then(({execute}) => execute({development: true, dir: root}))
