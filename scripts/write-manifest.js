#!/usr/bin/env node
// Writes oclif.manifest.json after every build. Without a manifest oclif imports
// every command module (ssh2, Pulumi, Liquid, …) on every run just to list them;
// with it, a command starts by importing only itself. It is regenerated from
// dist/ by each build, so it cannot go stale against dist/; it is git-ignored.
//
// The old manifest is ignored (not deleted) while the new one is built, and the new one
// replaces it by a rename: a build that fails, is killed, or runs beside another build
// never leaves the tree without a manifest (which made every CLI run about 1 s slower,
// with no warning).
import { rename, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Plugin } from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const file = path.join(root, 'oclif.manifest.json')
const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true })
await plugin.load()
const manifest = { ...plugin.manifest, version: plugin.version }
const tmp = `${file}.${process.pid}.tmp`
await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n')
await rename(tmp, file)
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
