// Shared by the browser checks: Debian's chromium through playwright-core in a phone-sized
// viewport, numbered checks with screenshots, and the "N passed, M failed" summary.
import { chromium } from 'playwright-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function assert(condition, message) {
  if (!condition) throw new Error(message)
}

export async function phoneBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'yiwang-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  })
  const page = context.pages()[0] || (await context.newPage())
  page.setDefaultTimeout(10000)
  const close = async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
  return { context, page, close }
}

export function checklist(prefix) {
  let passed = 0
  let failed = 0
  const dir = process.env.SCREENSHOT_DIR
  return {
    async check(name, page, fn) {
      try {
        await fn()
        passed++
        console.log(`ok - ${name}`)
      } catch (err) {
        failed++
        const text = String(err && err.stack ? err.stack : err).split('\n').slice(0, 4).join('\n    ')
        console.log(`not ok - ${name}\n    ${text}`)
      }
      if (dir) await page.screenshot({ path: join(dir, `${prefix}-${passed + failed}.png`) }).catch(() => {})
    },
    finish() {
      console.log(`${passed} passed, ${failed} failed`)
      process.exit(failed === 0 ? 0 : 1)
    },
  }
}
