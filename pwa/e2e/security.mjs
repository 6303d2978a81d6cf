// Knowing someone's name and ID number opens nothing (issue 9), in three phone browsers:
// resident A logs in by phone and verifies; A's new phone (C) brings the same name and ID
// number, is kept apart, and joins A with the code texted to A's phone on record; a stranger
// (B) brings the same name and ID number and sees only an empty 我的办件 of their own; A opens
// 账号与安全 from the notice, presses 不是我本人 on B's request, and B is logged out; A then
// removes C the same way.
//
// Before that, an administrator makes one item need a carrier real-name check: its guide says so,
// and applying with A's claimed identity explains what to do instead of a generic error.
//
// Env: BASE_URL, SMS_GATEWAY_URL, PHONE_A, PHONE_B, PHONE_C, ADMIN_PHONE, ADMIN_PASSWORD;
// CATALOG_SHARED=1 when the app processes share a broker (see the assurance_required check).
import { join } from 'node:path'
import { assert, checklist, latestCode, phoneBrowser, residentLogsIn, residentSignsIn, residentVerifies } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, PHONE_A, PHONE_B, PHONE_C, ADMIN_PHONE, ADMIN_PASSWORD, CATALOG_SHARED } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !PHONE_A || !PHONE_B || !PHONE_C || !ADMIN_PHONE || !ADMIN_PASSWORD) {
  console.error('BASE_URL, SMS_GATEWAY_URL, PHONE_A, PHONE_B, PHONE_C, ADMIN_PHONE and ADMIN_PASSWORD are required')
  process.exit(2)
}
const { check, finish } = checklist('security')
const NAME = '孙七'
const ID_NUMBER = '330106198803030024' // a person of their own: other journeys verify other people
const SERVICE = '000105001000' // 个体工商户设立登记 (demo catalog)
const STRICT_SERVICE = '000110004000' // 高龄津贴申领: made to need a carrier check below
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function call(method, path, { token, body } = {}) {
  const r = await fetch(BASE_URL + '/api/v1' + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`)
  return r.json()
}

/** The administrator (password + SMS code) asks for proof level `level` on an item, through the API. */
async function requireAssurance(code, level) {
  await call('POST', '/auth/staff/login', { body: { phone: ADMIN_PHONE, password: ADMIN_PASSWORD } })
  const smsCode = await latestCode(SMS_GATEWAY_URL, ADMIN_PHONE)
  const { token } = await call('POST', '/auth/staff/verify', { body: { phone: ADMIN_PHONE, code: smsCode, transport: 'bearer' } })
  const g = await call('GET', `/services/${code}`)
  const item = {
    code: g.code, name: g.name, department: g.department, kind: g.kind, summary: g.summary, conditions: g.conditions,
    materials: g.materials, form_schema: g.form_schema, legal_limit_days: g.legal_limit_days, promised_limit_days: g.promised_limit_days,
    fee: g.fee, online_full: g.online_full, max_one_trip: g.max_one_trip, instant: g.instant, ems_allowed: g.ems_allowed,
    appointment_needed: g.appointment_needed, assurance_required: level,
  }
  await call('PUT', `/admin/services/${code}`, { token, body: item })
}

async function codesSent(phone) {
  const messages = await (await fetch(`${SMS_GATEWAY_URL}/_fake/messages?phone=${phone}`)).json()
  return messages.filter((m) => m.params && m.params.code).length
}

/** Phone login + name and ID number, stopping where a claim offers to join an earlier registration. */
async function claimsTheNumber(page, phone) {
  await residentLogsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone })
  await residentVerifies(page, { name: NAME, idNumber: ID_NUMBER })
  await page.getByTestId('identity-done').waitFor()
}

async function myCases(page) {
  await page.goto(BASE_URL + '/progress', { waitUntil: 'networkidle' })
  await page.getByTestId('progress-page').waitFor()
  const empty = page.getByText('您还没有办件')
  await empty.or(page.locator('[data-testid^="case-"]').first()).first().waitFor()
  return page.locator('[data-testid^="case-"]').count()
}

const a = await phoneBrowser()
const b = await phoneBrowser()
const c = await phoneBrowser()
const pageErrors = []
for (const { page } of [a, b, c]) page.on('pageerror', (err) => pageErrors.push(String(err)))

try {
  await check('A logs in by phone, verifies, and starts an application', a.page, async () => {
    await residentSignsIn(a.page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: PHONE_A, name: NAME, idNumber: ID_NUMBER })
    const label = await a.page.getByTestId('me-assurance').innerText()
    assert(label.includes('实名方式：仅本人声明'), `assurance on 我的: ${label}`)
    await a.page.goto(`${BASE_URL}/services/${SERVICE}`, { waitUntil: 'networkidle' })
    await a.page.getByTestId('guide-apply').click()
    await a.page.getByTestId('apply-page').waitFor()
    assert((await myCases(a.page)) === 1, 'A has one case')
  })

  // Each app process caches the catalog and learns of changes through the shared broker (Redis);
  // two processes on SQLite have none, so the other one would keep the old item.
  if (CATALOG_SHARED === '1') await check('an item that needs a carrier check says so, and applying with a claim explains what to do', a.page, async () => {
    await requireAssurance(STRICT_SERVICE, 2)
    await sleep(1500) // processes look at the catalog version at most once a second
    await a.page.goto(`${BASE_URL}/services/${STRICT_SERVICE}`, { waitUntil: 'networkidle' })
    await a.page.getByTestId('guide-assurance').filter({ hasText: '需本人手机号实名核验或到窗口核验身份' }).waitFor()
    await a.page.getByTestId('guide-apply').click()
    const dialog = a.page.locator('.van-dialog')
    await dialog.getByText('运营商核验').waitFor()
    await dialog.locator('.van-dialog__cancel').click()
    await dialog.waitFor({ state: 'hidden' })
    assert(a.page.url().endsWith(`/services/${STRICT_SERVICE}`), `stays on the guide: ${a.page.url()}`)
  })
  else console.log('# skipped: the assurance_required check needs app processes that share a broker (CATALOG_SHARED=1)')

  await check("A's new phone brings the same name and ID number: verified, but offered to join, not joined", c.page, async () => {
    await claimsTheNumber(c.page, PHONE_C)
    await c.page.getByTestId('join-open').click()
    await c.page.getByText('以前在微信小程序或另一个手机号上').waitFor()
  })

  let joinCode = ''
  await check('asking to join texts a code to the phone on record and says so without telling whether it exists', c.page, async () => {
    const before = await codesSent(PHONE_A)
    const ownBefore = await codesSent(PHONE_C)
    await c.page.getByTestId('join-send').click()
    await c.page.getByTestId('join-sent').filter({ hasText: '如果该身份证号此前已登记，验证码已发送到其登记的手机，请向本人索取' }).waitFor()
    await c.page.getByTestId('join-send').filter({ hasText: '秒后重发' }).waitFor()
    assert(await c.page.getByTestId('join-send').isDisabled(), 'resend waits for the countdown')
    joinCode = await latestCode(SMS_GATEWAY_URL, PHONE_A, before)
    assert((await codesSent(PHONE_C)) === ownBefore, 'the code went to the phone on record, not to the new phone')
  })

  await check('a wrong code is refused beside the field', c.page, async () => {
    await c.page.getByTestId('join-code').locator('input').fill(joinCode === '000000' ? '111111' : '000000')
    await c.page.getByTestId('join-confirm').click()
    await c.page.getByTestId('join-code').locator('.van-field__error-message').waitFor()
    assert(await c.page.getByTestId('identity-done').isVisible(), 'still on the join offer')
  })

  await check("the code from A's phone joins the new phone to A: it sees A's case", c.page, async () => {
    await c.page.getByTestId('join-code').locator('input').fill(joinCode)
    await c.page.getByTestId('join-confirm').click()
    await c.page.getByTestId('me-page').waitFor()
    assert((await myCases(c.page)) === 1, "the joined phone sees A's case")
  })

  await check('A keeps 账号与安全 open: no join requests yet', a.page, async () => {
    await a.page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await a.page.getByTestId('me-security').click()
    await a.page.getByTestId('security-no-requests').waitFor()
  })

  await check('a stranger with the same name and ID number gets an empty 我的办件 of their own', b.page, async () => {
    await claimsTheNumber(b.page, PHONE_B)
    await b.page.getByTestId('identity-continue').click()
    await b.page.getByTestId('me-page').waitFor()
    assert((await myCases(b.page)) === 0, "the stranger sees none of A's cases")
    await b.page.goto(BASE_URL + '/me/security', { waitUntil: 'networkidle' })
    await b.page.getByTestId('security-no-requests').waitFor()
    assert((await b.page.getByTestId('security-channels').locator('.channel').count()) === 1, 'the stranger sees only their own channel')
  })

  await check("the stranger's request shows up on A's open page by itself", a.page, async () => {
    await a.page.getByTestId('security-requests').getByText('有一个手机号账号用您的身份证号申请加入').waitFor()
  })

  await check('A is told, and the notice opens 账号与安全 with the join request and both channels', a.page, async () => {
    await a.page.goto(BASE_URL + '/inbox', { waitUntil: 'networkidle' })
    await a.page.locator('.inbox-item').filter({ hasText: '有人用您的身份证号实名' }).first().click()
    await a.page.getByTestId('security-page').waitFor()
    await a.page.getByTestId('security-requests').getByText('有一个手机号账号用您的身份证号申请加入').waitFor()
    const channels = a.page.getByTestId('security-channels')
    await channels.getByTestId('channel-current').waitFor()
    const text = await channels.innerText()
    assert(text.includes('仅本人声明') && text.includes('登记手机验证码确认'), `channels: ${text}`)
    assert((await channels.getByTestId('channel-remove').count()) === 1, 'only the other channel can be removed')
  })

  await check('账号与安全 reads well in large-text mode at 390×844', a.page, async () => {
    await a.page.evaluate(() => localStorage.setItem('yiwang.largeText', '1'))
    await a.page.reload({ waitUntil: 'networkidle' })
    await a.page.getByTestId('security-requests').getByText('有一个手机号账号用您的身份证号申请加入').waitFor()
    assert(await a.page.evaluate(() => document.documentElement.classList.contains('large-text')), 'large text is on')
    const overflow = await a.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
    assert(!overflow, 'nothing sticks out sideways')
    if (process.env.SCREENSHOT_DIR) await a.page.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'security-large-text.png'), fullPage: true })
  })

  await check('不是我本人 on the request, after a dialog that says what it does', a.page, async () => {
    await a.page.getByTestId('join-request-deny').click()
    await a.page.locator('.van-dialog').getByText('它的所有登录立即失效').waitFor()
    await a.page.locator('.van-dialog__confirm').click()
    await a.page.getByTestId('security-no-requests').waitFor()
  })

  await check("the stranger's next page load is logged out", b.page, async () => {
    await b.page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await b.page.getByTestId('me-login').waitFor()
  })

  await check('不是我本人 on the joined phone removes it and logs it out', a.page, async () => {
    await a.page.getByTestId('channel-remove').click()
    await a.page.locator('.van-dialog').getByText('它的所有登录立即失效').waitFor()
    await a.page.locator('.van-dialog__confirm').click()
    await a.page.getByTestId('channel-remove').waitFor({ state: 'detached' })
    await c.page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await c.page.getByTestId('me-login').waitFor()
    assert((await myCases(a.page)) === 1, 'A keeps the case')
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`)
  })
} finally {
  await Promise.all([a.close(), b.close(), c.close()])
}
finish()
