#!/usr/bin/env -S node --import tsx
import { readdirSync, rmSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { execute } from '@oclif/core'

// The build writes oclif.manifest.json for fast start-up of bin/run.js. In development it
// would hide commands (and help) changed since the last build, so it is dropped, but only when
// some file under src/ is newer than it: dropping it after every build made the next
// bin/run.js calls (tests, benchmarks, a user's shell) import all 24 commands, about 1 s each.
const manifest = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url))
const src = fileURLToPath(new URL('../src', import.meta.url))

function newestMtimeMs(dir) {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs)
  }
  return newest
}

const built = statSync(manifest, { throwIfNoEntry: false })
if (built && newestMtimeMs(src) > built.mtimeMs) rmSync(manifest, { force: true })

await execute({ development: true, dir: import.meta.url })
