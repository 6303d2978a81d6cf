// Shared by the browser checks: Debian's chromium through playwright-core in a phone-sized
// viewport, numbered checks with screenshots, and the "N passed, M failed" summary.
import { chromium } from 'playwright-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function assert(condition, message) {
  if (!condition) throw new Error(message)
}

/** Whether the first element matching `selector` is an <img> that finishes loading a picture within `timeout` ms:
 * it may still be on its way when it shows. */
export async function imageLoads(page, selector, timeout = 10000) {
  return page.waitForFunction((sel) => {
    const img = document.querySelector(sel)
    return img !== null && img.complete && img.naturalWidth > 0
  }, selector, { timeout }).then(() => true, () => false)
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
        // Where the page was and what it said, so a failure on a busy CI machine can be read from the log alone.
        const where = await page.evaluate(() => {
          const said = [...document.querySelectorAll('.van-toast, .van-notify, [role=alert], .van-field__error-message')]
          return `${location.pathname}${location.search} | ${said.map((e) => e.textContent.trim()).filter(Boolean).join(' / ')}`
        }).catch(() => '(page gone)')
        console.log(`not ok - ${name}\n    ${text}\n    at ${where}`)
      }
      if (dir) await page.screenshot({ path: join(dir, `${prefix}-${passed + failed}.png`) }).catch(() => {})
    },
    finish() {
      console.log(`${passed} passed, ${failed} failed`)
      process.exit(failed === 0 ? 0 : 1)
    },
  }
}

/** The newest login code the fake SMS gateway "delivered" to this phone (after `after` earlier codes). */
export async function latestCode(gatewayUrl, phone, after = 0) {
  for (let i = 0; i < 80; i++) {
    const messages = await (await fetch(`${gatewayUrl}/_fake/messages?phone=${phone}`)).json()
    const codes = messages.filter((m) => m.params && m.params.code)
    if (codes.length > after) return codes[codes.length - 1].params.code
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no SMS code for ${phone}`)
}

/** How many login codes the fake SMS gateway has "delivered" to this phone so far. */
export async function codesSent(gatewayUrl, phone) {
  const messages = await (await fetch(`${gatewayUrl}/_fake/messages?phone=${phone}`)).json()
  return messages.filter((m) => m.params && m.params.code).length
}

/** Tick a Vant checkbox (agreeing to a document) unless it is ticked already. */
export async function tick(page, testId) {
  const box = page.getByTestId(testId)
  if ((await box.getAttribute('aria-checked')) !== 'true') await box.click()
}

/** A resident logs in with phone + SMS code, agreeing to the 用户协议 and 隐私政策 on the login page. */
export async function residentLogsIn(page, { baseUrl, gatewayUrl, phone }) {
  await page.goto(baseUrl + '/login', { waitUntil: 'networkidle' })
  await page.getByTestId('login-phone').locator('input').fill(phone)
  await tick(page, 'login-agree')
  const before = await codesSent(gatewayUrl, phone)
  await page.getByTestId('login-send').click()
  const code = await latestCode(gatewayUrl, phone, before)
  // The code can reach the gateway before the send's answer reaches the page, which then sets up the code step;
  // typing before that lost the code once (请输入 6 位数字验证码), so wait for the countdown the answer starts.
  await page.getByTestId('login-send').filter({ hasText: '秒后重发' }).waitFor()
  await page.getByTestId('login-code').locator('input').fill(code)
  await page.getByTestId('login-submit').click()
}

/** On 实名认证: name and ID number, with the separate consent to processing the ID number; then 提交认证. */
export async function residentVerifies(page, { name, idNumber }) {
  await page.getByTestId('identity-name').locator('input').fill(name)
  await page.getByTestId('identity-id-number').locator('input').fill(idNumber)
  await tick(page, 'identity-consent')
  await page.getByTestId('identity-submit').click()
}

/** A resident logs in with phone + SMS code and verifies their identity (实名), ending on 我的. */
export async function residentSignsIn(page, { baseUrl, gatewayUrl, phone, name, idNumber }) {
  await residentLogsIn(page, { baseUrl, gatewayUrl, phone })
  await residentVerifies(page, { name, idNumber })
  await continueAfterVerifying(page)
  await page.getByTestId('me-page').waitFor()
}

/** After 提交认证: a binding that is only a claim stops to offer joining an earlier registration; go on. */
export async function continueAfterVerifying(page) {
  const done = page.getByTestId('identity-done')
  await done.or(page.getByTestId('me-page')).first().waitFor()
  if (await done.isVisible()) await page.getByTestId('identity-continue').click()
}

/** A clerk logs in with password, then the SMS code (second factor), ending on the work queue (or ``lands``). */
export async function clerkSignsIn(desk, { baseUrl, gatewayUrl, phone, password, lands = 'staff-queue' }) {
  await desk.goto(baseUrl + '/staff/login', { waitUntil: 'networkidle' })
  await desk.getByTestId('staff-phone').locator('input').fill(phone)
  await desk.getByTestId('staff-password').locator('input').fill(password)
  // The fake gateway keeps earlier codes (the seeded demo clerk signs in on both stacks): wait for a new one.
  const before = (await (await fetch(`${gatewayUrl}/_fake/messages?phone=${phone}`)).json()).filter((m) => m.params && m.params.code).length
  await desk.getByTestId('staff-next').click()
  await desk.getByTestId('staff-code').locator('input').fill(await latestCode(gatewayUrl, phone, before))
  await desk.getByTestId('staff-next').click()
  await desk.getByTestId(lands).waitFor()
}

/** How many login codes the fake SMS gateway has "delivered" to this phone, and when the last one went. */
async function codesTo(gatewayUrl, phone) {
  const messages = await (await fetch(`${gatewayUrl}/_fake/messages?phone=${phone}`)).json()
  const codes = messages.filter((m) => m.params && m.params.code)
  return { count: codes.length, lastAt: codes.length ? codes[codes.length - 1].at : 0 }
}

/**
 * The same, already verified resident logs in on another device (no identity step), ending on 我的.
 * A number gets one code a minute: this waits until the minute since the last code is over.
 */
export async function residentSignsInAgain(page, { baseUrl, gatewayUrl, phone }) {
  const before = await codesTo(gatewayUrl, phone)
  await page.goto(baseUrl + '/login', { waitUntil: 'networkidle' })
  await page.getByTestId('login-phone').locator('input').fill(phone)
  await tick(page, 'login-agree')
  while (Date.now() / 1000 < before.lastAt + 61) await new Promise((r) => setTimeout(r, 250))
  await page.getByTestId('login-send').click()
  await page.getByTestId('login-code').locator('input').fill(await latestCode(gatewayUrl, phone, before.count))
  await page.getByTestId('login-submit').click()
  await page.getByTestId('me-page').waitFor()
}

/** A courier logs in like a clerk (password, then the SMS code) and lands on 今日派件 (/courier). */
export async function courierSignsIn(page, { baseUrl, gatewayUrl, phone, password }) {
  await page.goto(baseUrl + '/staff/login', { waitUntil: 'networkidle' })
  await page.getByTestId('staff-phone').locator('input').fill(phone)
  await page.getByTestId('staff-password').locator('input').fill(password)
  const before = await codesSent(gatewayUrl, phone)
  await page.getByTestId('staff-next').click()
  await page.getByTestId('staff-code').locator('input').fill(await latestCode(gatewayUrl, phone, before))
  await page.getByTestId('staff-next').click()
  await page.getByTestId('courier-home').waitFor()
}
