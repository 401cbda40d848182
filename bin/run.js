#!/usr/bin/env node
import { execute, settings } from '@oclif/core'

// The installed CLI always runs the compiled dist/, whatever NODE_ENV says
// (under NODE_ENV=test or development oclif would otherwise try to load src/*.ts).
settings.enableAutoTranspile = false

await execute({ dir: import.meta.url })
