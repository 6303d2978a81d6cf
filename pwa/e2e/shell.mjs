// Browser check of the PWA shell in a phone-sized viewport: playwright-core driving Debian's
// chromium (never a downloaded browser). BASE_URL points at a running server (the tests use
// nginx in front of the app). Prints one line per check and "N passed, M failed"; exit 1 on failure.
import { assert, checklist, phoneBrowser } from './harness.mjs'

const BASE_URL = process.env.BASE_URL
if (!BASE_URL) {
  console.error('BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8000 node e2e/shell.mjs')
  process.exit(2)
}

const { check, finish } = checklist('shell')

const { context, page, close } = await phoneBrowser()
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

  await check('我的 opens from the tab bar; 预约 asks a visitor to log in and the tab bar leads back home', page, async () => {
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    await page.locator('.van-tabbar-item', { hasText: '我的' }).click()
    await page.getByTestId('me-page').waitFor()
    await page.locator('.van-tabbar-item', { hasText: '预约' }).click()
    await page.getByTestId('appointments-login').waitFor()
    await page.locator('.van-tabbar-item', { hasText: '首页' }).click()
    await page.getByTestId('entry-me').waitFor()
  })

  await check('办事: typing the initials yyzz finds the business licence and opens its guide', page, async () => {
    await page.getByTestId('entry-services').click()
    await page.getByTestId('services-page').waitFor()
    await page.getByTestId('services-search').locator('input').fill('yyzz')
    await page.getByTestId('services-search').locator('input').press('Enter')
    await page.getByTestId('service-000105001000').click()
    await page.getByTestId('guide-name').filter({ hasText: '营业执照' }).waitFor()
    const materials = await page.getByTestId('guide-materials').innerText()
    assert(materials.includes('居民身份证') && materials.includes('必交'), `materials: ${materials}`)
    assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`)
  })
} finally {
  await close()
}
finish()
