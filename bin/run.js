#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { execute, settings } from '@oclif/core'

// The installed CLI always runs the compiled dist/, whatever NODE_ENV says
// (under NODE_ENV=test or development oclif would otherwise try to load src/*.ts).
settings.enableAutoTranspile = false

// Without the manifest oclif imports every command module to find one: about 1 s more per run.
if (!existsSync(new URL('../oclif.manifest.json', import.meta.url))) {
  process.stderr.write('lastmile: oclif.manifest.json is missing, so every command starts about 1 s slower; `npm run build` writes it.\n')
}

await execute({ dir: import.meta.url })
