import { gzipSync } from 'node:zlib'

/*
 * A minimal POSIX ustar writer: regular files and directories, nothing else (no links, no
 * devices, no PAX headers), which is exactly what the station agent accepts. Kept here rather
 * than pulling in a tar package: the format is 60 lines and the agent's rules are strict
 * (busybox tar on OpenWrt must list it without a single warning).
 *
 * Layout: per entry a 512-byte header, then the data padded to 512 bytes; two zero blocks end
 * the archive.
 */

export interface TarEntry {
  /** relative name, `/`-separated; directories may end with `/` */
  name: string
  type?: 'file' | 'dir'
  content?: Buffer
  /** permission bits, default 0644 for files and 0755 for directories */
  mode?: number
}

export interface TarOptions {
  /** modification time of every entry, in epoch seconds (inject a clock; default 0) */
  mtime?: number
}

const BLOCK = 512

/** Writes `entries` as one ustar archive (uncompressed). */
export function createTar(entries: readonly TarEntry[], opts: TarOptions = {}): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const type = e.type ?? 'file'
    const data = type === 'file' ? (e.content ?? Buffer.alloc(0)) : Buffer.alloc(0)
    const name = type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name
    parts.push(header(name, type, data.length, e.mode ?? (type === 'dir' ? 0o755 : 0o644), opts.mtime ?? 0))
    if (data.length > 0) {
      parts.push(data)
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
      if (pad > 0) parts.push(Buffer.alloc(pad))
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK))
  return Buffer.concat(parts)
}

export function gzip(data: Buffer): Buffer {
  return gzipSync(data, { level: 9 })
}

function header(name: string, type: 'file' | 'dir', size: number, mode: number, mtime: number): Buffer {
  validateName(name)
  const h = Buffer.alloc(BLOCK)
  const { prefix, base } = splitName(name)
  h.write(base, 0, 100, 'utf8')
  writeOctal(h, mode & 0o7777, 100, 8)
  writeOctal(h, 0, 108, 8) // uid
  writeOctal(h, 0, 116, 8) // gid
  writeOctal(h, size, 124, 12)
  writeOctal(h, Math.max(0, Math.floor(mtime)), 136, 12)
  h.fill(0x20, 148, 156) // checksum field counts as spaces while summing
  h.write(type === 'dir' ? '5' : '0', 156, 1, 'latin1')
  h.write('ustar\0', 257, 6, 'latin1')
  h.write('00', 263, 2, 'latin1')
  h.write('root', 265, 32, 'latin1')
  h.write('root', 297, 32, 'latin1')
  writeOctal(h, 0, 329, 8) // devmajor
  writeOctal(h, 0, 337, 8) // devminor
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of h) sum += byte
  // Six octal digits, NUL, space: the form every tar writes.
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1')
  return h
}

/** Fixed-width octal with a terminating NUL; sizes above 8 GiB are refused (no base-256). */
function writeOctal(buf: Buffer, value: number, offset: number, width: number): void {
  const digits = value.toString(8)
  if (digits.length > width - 1) throw new RangeError(`tar: value ${value} does not fit in ${width - 1} octal digits`)
  buf.write(digits.padStart(width - 1, '0') + '\0', offset, width, 'latin1')
}

function validateName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').includes('..') || name.includes('\0')) {
    throw new Error(`tar: refusing the member name ${JSON.stringify(name)} (empty, absolute, '..' or NUL)`)
  }
}

/** ustar keeps long names as prefix (≤155 bytes) + '/' + name (≤100 bytes). */
function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name }
  // Split at a '/' so that both halves fit; try the leftmost split whose name part fits.
  const trailing = name.endsWith('/') ? '/' : ''
  const body = trailing ? name.slice(0, -1) : name
  for (let i = body.indexOf('/'); i !== -1; i = body.indexOf('/', i + 1)) {
    const prefix = body.slice(0, i)
    const base = body.slice(i + 1) + trailing
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return { prefix, base }
  }
  throw new Error(`tar: the member name ${JSON.stringify(name)} is too long for ustar (100 + 155 bytes)`)
}
