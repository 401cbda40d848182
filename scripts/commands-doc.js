#!/usr/bin/env node
// Writes docs/commands.md, the command reference, from oclif.manifest.json
// (written by `npm run build`). `node scripts/commands-doc.js --check` exits 1
// when the committed file is stale (run by the e2e tier after the build).
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(await readFile(path.join(root, 'oclif.manifest.json'), 'utf8'))
const out = path.join(root, 'docs', 'commands.md')

const lines = [
  '# Command reference',
  '',
  'Generated from the commands themselves by `npm run build && node scripts/commands-doc.js`; do not edit by hand.',
  'Every command also takes `--json` (the envelope `{"status", "result", "warnings"}` on stdout) and `--help`.',
  'Exit codes: see the README.',
  '',
]
const ids = Object.keys(manifest.commands).sort()
for (const id of ids) {
  const c = manifest.commands[id]
  if (c.hidden) continue
  const args = Object.values(c.args ?? {}).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`))
  lines.push(`## \`lastmile ${id.replace(/:/g, ' ')}${args.length ? ' ' + args.join(' ') : ''}\``, '')
  if (c.summary) lines.push(c.summary, '')
  if (c.description) lines.push(c.description, '')
  const flags = Object.values(c.flags ?? {}).filter((f) => !f.hidden && f.name !== 'json')
  if (flags.length > 0) {
    lines.push('| flag | meaning |', '|---|---|')
    for (const f of flags) {
      const name = `\`--${f.name}${f.type === 'option' ? ' <value>' : ''}\`${f.char ? ` (\`-${f.char}\`)` : ''}`
      const extra = [f.multiple ? 'repeatable' : '', f.default !== undefined && f.default !== false ? `default \`${JSON.stringify(f.default)}\`` : '', f.options ? `one of ${f.options.map((o) => `\`${o}\``).join(', ')}` : '', f.env ? `env \`${f.env}\`` : '']
        .filter(Boolean)
        .join('; ')
      const text = `${f.summary ?? f.description ?? ''}${extra ? ` (${extra})` : ''}`.replace(/\|/g, '\\|').replace(/\n/g, ' ')
      lines.push(`| ${name} | ${text} |`)
    }
    lines.push('')
  }
  const examples = (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command)).map((e) => e.replace('<%= config.bin %>', 'lastmile'))
  if (examples.length > 0) lines.push('```sh', ...examples, '```', '')
}
const text = lines.join('\n')
if (process.argv.includes('--check')) {
  const current = await readFile(out, 'utf8').catch(() => '')
  if (current !== text) {
    console.error('docs/commands.md is stale: run `npm run build && node scripts/commands-doc.js` and commit it')
    process.exit(1)
  }
  console.log('docs/commands.md is up to date')
} else {
  await writeFile(out, text)
  console.log(`docs/commands.md: ${ids.length} commands`)
}
