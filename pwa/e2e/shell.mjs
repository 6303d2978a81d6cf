// Browser check of the PWA shell in a phone-sized viewport: playwright-core driving Debian's
// chromium (never a downloaded browser). BASE_URL points at a running server (the tests use
// nginx in front of the app). Prints one line per check and "N passed, M failed"; exit 1 on failure.
import { chromium } from 'playwright-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BASE_URL = process.env.BASE_URL
if (!BASE_URL) {
  console.error('BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8000 node e2e/shell.mjs')
  process.exit(2)
}
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

let passed = 0
let failed = 0
async function check(name, page, fn) {
  try {
    await fn()
    passed++
    console.log(`ok - ${name}`)
  } catch (err) {
    failed++
    console.log(`not ok - ${name}\n    ${String(err && err.stack ? err.stack : err).split('\n').slice(0, 4).join('\n    ')}`)
  }
  if (SCREENSHOT_DIR) {
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${passed + failed}-${name.replace(/\W+/g, '_')}.png`) }).catch(() => {})
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message)
}

const profile = mkdtempSync(join(tmpdir(), 'yiwang-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
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
const consoleErrors = []
// A logged-out visitor's GET /api/v1/me is answered 401 on purpose; the browser logs it.
page.on('console', (msg) => {
  if (msg.type() === 'error' && !msg.text().includes('status of 401')) consoleErrors.push(msg.text())
})
page.on('pageerror', (err) => consoleErrors.push(String(err)))

try {
  await check('home screen lists 办事 预约 进度 我的', page, async () => {
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    for (const key of ['services', 'appointments', 'progress', 'me']) {
      await page.getByTestId(`entry-${key}`).waitFor()
    }
    const text = await page.locator('.van-grid').innerText()
    for (const label of ['办事', '预约', '进度', '我的']) assert(text.includes(label), `missing ${label} in: ${text}`)
    await page.getByTestId('health-status').filter({ hasText: '服务正常' }).waitFor()
  })

  await check('service worker registers and controls the page', page, async () => {
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    assert(scope === BASE_URL + '/', `unexpected scope ${scope}`)
    await page.reload({ waitUntil: 'networkidle' })
    const controlled = await page.evaluate(() => Boolean(navigator.serviceWorker.controller))
    assert(controlled, 'page not controlled by the service worker after reload')
  })

  await check('large-text mode enlarges the text and survives a reload', page, async () => {
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize))
    const before = await size()
    assert((await page.evaluate(() => document.documentElement.dataset.largeText)) === 'false', 'large text on by default')
    await page.getByTestId('large-text-switch').click()
    await page.waitForFunction(() => document.documentElement.dataset.largeText === 'true')
    const after = await size()
    assert(after > before, `root font size did not grow: ${before} -> ${after}`)
    await page.reload({ waitUntil: 'networkidle' })
    assert((await page.evaluate(() => document.documentElement.dataset.largeText)) === 'true', 'setting lost on reload')
    assert((await size()) === after, 'size differs after reload')
  })

  await check('shell loads offline from the cache and says the network is down', page, async () => {
    await context.setOffline(true)
    await page.reload({ waitUntil: 'domcontentloaded' })
    await page.getByTestId('entry-services').waitFor()
    await page.getByTestId('health-status').filter({ hasText: '网络连接失败' }).waitFor()
    await context.setOffline(false)
    consoleErrors.length = 0 // failed fetches while offline are expected
  })

  await check('我的 opens from the tab bar, and a coming-soon page leads back home', page, async () => {
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    await page.locator('.van-tabbar-item', { hasText: '我的' }).click()
    await page.getByTestId('me-page').waitFor()
    await page.locator('.van-tabbar-item', { hasText: '办事' }).click()
    await page.getByTestId('back-home').click()
    await page.getByTestId('entry-me').waitFor()
    assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`)
  })
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
