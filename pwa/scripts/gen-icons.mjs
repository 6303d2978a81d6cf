// Draws the app icons (no dependencies, no network): a blue tile with the white stroke of "一".
// Run once with `node scripts/gen-icons.mjs`; the PNGs in public/icons/ are committed.
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'

const BLUE = [0x19, 0x89, 0xfa]
const WHITE = [0xff, 0xff, 0xff]

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** Coverage (0..1) of pixel (x, y) by a rounded rectangle, 4x4 supersampled for smooth edges. */
function roundRect(x, y, left, top, right, bottom, r) {
  let hits = 0
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const px = x + (sx + 0.5) / 4
      const py = y + (sy + 0.5) / 4
      if (px < left || px > right || py < top || py > bottom) continue
      const cx = Math.min(Math.max(px, left + r), right - r)
      const cy = Math.min(Math.max(py, top + r), bottom - r)
      if ((px - cx) ** 2 + (py - cy) ** 2 <= r * r) hits++
    }
  }
  return hits / 16
}

/**
 * size: pixels; maskable: full-bleed background with the mark inside the 80% safe zone,
 * otherwise a rounded tile on a transparent background.
 */
function icon(size, { maskable = false } = {}) {
  const rows = []
  const s = size
  const tile = maskable ? [0, 0, s, s, 0] : [s * 0.04, s * 0.04, s * 0.96, s * 0.96, s * 0.2]
  const scale = maskable ? 0.72 : 1 // keep the stroke well inside the safe zone
  const barW = s * 0.64 * scale
  const barH = s * 0.12 * scale
  const bar = [(s - barW) / 2, (s - barH) / 2, (s + barW) / 2, (s + barH) / 2, barH / 2]
  for (let y = 0; y < s; y++) {
    const row = Buffer.alloc(1 + s * 4) // filter byte 0, then RGBA
    for (let x = 0; x < s; x++) {
      const a = maskable ? 1 : roundRect(x, y, ...tile)
      const w = roundRect(x, y, ...bar)
      const o = 1 + x * 4
      for (let i = 0; i < 3; i++) row[o + i] = Math.round(BLUE[i] * (1 - w) + WHITE[i] * w)
      row[o + 3] = Math.round(255 * a)
    }
    rows.push(row)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(s, 0)
  ihdr.writeUInt32BE(s, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const out = new URL('../public/icons/', import.meta.url)
mkdirSync(out, { recursive: true })
const files = {
  'icon-192.png': icon(192),
  'icon-512.png': icon(512),
  'maskable-512.png': icon(512, { maskable: true }),
  'apple-touch-icon-180.png': icon(180, { maskable: true }), // iOS draws its own rounded corners
  'favicon-32.png': icon(32),
}
for (const [name, data] of Object.entries(files)) {
  writeFileSync(new URL(name, out), data)
  console.log(`public/icons/${name} ${data.length} bytes`)
}
