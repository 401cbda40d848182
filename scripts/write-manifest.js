#!/usr/bin/env node
// Writes oclif.manifest.json after every build. Without a manifest oclif imports
// every command module (ssh2, Pulumi, Liquid, …) on every run just to list them;
// with it, a command starts by importing only itself. It is regenerated from
// dist/ by each build, so it cannot go stale against dist/; it is git-ignored.
import { rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Config } from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const file = path.join(root, 'oclif.manifest.json')
await rm(file, { force: true })
const config = await Config.load({ root })
const plugin = config.plugins.get(config.pjson.name)
if (!plugin) throw new Error('root plugin not found')
const manifest = { ...plugin.manifest, version: config.version }
await writeFile(file, JSON.stringify(manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
