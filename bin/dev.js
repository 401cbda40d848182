#!/usr/bin/env -S node --import tsx
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { execute } from '@oclif/core'

// The build writes oclif.manifest.json for fast start-up of bin/run.js. In
// development it would hide commands added since the last build, so drop it;
// the next `npm run build` writes it again.
rmSync(fileURLToPath(new URL('../oclif.manifest.json', import.meta.url)), { force: true })

await execute({ development: true, dir: import.meta.url })
