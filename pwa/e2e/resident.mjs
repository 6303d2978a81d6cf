// What a first real resident runs into (issue 12, points 7, 8, 11, 12, 13), in two phone browsers:
// the catalog searches as they type; the bell shows no red 0; /track works without a QR code; my
// cases and 我的 stay readable offline with their time and a retry; devices are named from their
// user agent, signing one out asks first, and the signed-out device is told why.
// Env: BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, PHOTO_PATH (a JPEG for the ID card).
import { readFileSync } from 'node:fs'
import { assert, checklist, phoneBrowser, residentSignsIn, residentSignsInAgain } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, PHOTO_PATH } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !RESIDENT_PHONE || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE and PHOTO_PATH are required')
  process.exit(2)
}
const { check, finish } = checklist('resident')
const NAME = '赵六'
const ID_NUMBER = '110105198001011238'
const YYZZ = '000105001000'
// A phone in WeChat: what the second device sends (Playwright's own string says HeadlessChrome on Linux).
const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 ' +
  'Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5127 MMWEBSDK/20230604 MMWEBID/6170 MicroMessenger/8.0.38.2400(0x28002637) ' +
  'WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64'

const first = await phoneBrowser()
const second = await phoneBrowser()
const page = first.page
const other = second.page
const pageErrors = []
for (const p of [page, other]) p.on('pageerror', (err) => pageErrors.push(String(err)))
let caseId = 0
let trackingNo = ''

/** The signed-in browser calls the API itself (its cookie, its CSRF token), as the PWA does. */
async function call(method, path, { data, multipart, headers = {} } = {}) {
  const csrf = (await first.context.cookies(BASE_URL)).find((c) => c.name === 'yiwang_csrf')?.value ?? ''
  const r = await first.context.request.fetch(BASE_URL + '/api/v1' + path, {
    method,
    headers: { 'X-CSRF-Token': csrf, Accept: 'application/json', ...headers },
    data,
    multipart,
  })
  assert(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`)
  return r.json()
}

const totalText = () => page.getByTestId('services-total').innerText()

try {
  await check('the catalog searches as you type: yyzz changes the count without Enter', page, async () => {
    await page.goto(BASE_URL + '/services', { waitUntil: 'networkidle' })
    await page.getByTestId('services-total').filter({ hasText: '共' }).waitFor()
    const all = Number((await totalText()).match(/共 (\d+) 项/)[1])
    await page.getByTestId('services-search').locator('input').pressSequentially('yyzz', { delay: 40 })
    await page.getByTestId('services-total').filter({ hasText: '“yyzz”' }).waitFor()
    const found = Number((await totalText()).match(/共 (\d+) 项/)[1])
    assert(found >= 1 && found < all, `yyzz: ${found} of ${all}`)
    assert((await page.locator('[data-testid^="service-0"]').count()) === found, 'the list shows what the count says')
    await page.getByTestId(`service-${YYZZ}`).waitFor()
  })

  await check('a slow answer for an earlier text never replaces the newer one', page, async () => {
    let release
    const held = new Promise((r) => (release = r))
    // The answer for "医" is held back until the one for "医保" is on screen.
    await page.route(/\/api\/v1\/services\?q=%E5%8C%BB&/, async (route) => {
      await held
      await route.continue().catch(() => undefined) // the page has cancelled it by then
    })
    const input = page.getByTestId('services-search').locator('input')
    await input.fill('')
    const slow = page.waitForRequest(/\/api\/v1\/services\?q=%E5%8C%BB&/)
    await input.fill('医')
    await slow
    await input.fill('医保')
    await page.getByTestId('services-total').filter({ hasText: '“医保”' }).waitFor()
    const newer = await totalText()
    release()
    await page.waitForLoadState('networkidle')
    assert((await totalText()) === newer, `count changed after the stale answer: ${newer} → ${await totalText()}`)
    const shown = Number(newer.match(/共 (\d+) 项/)[1])
    const listed = await page.locator('[data-testid^="service-0"]').count()
    assert(listed >= Math.min(shown, 20) && listed <= shown, `${listed} listed for: ${newer}`)
    await page.unroute(/\/api\/v1\/services\?q=%E5%8C%BB&/)
  })

  await check('the anonymous 进度 tab offers 办件查询; /track validates number and digits in plain words', page, async () => {
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    await page.getByTestId('home-track').waitFor()
    await page.locator('.van-tabbar-item', { hasText: '进度' }).click()
    await page.getByTestId('progress-login').waitFor()
    await page.getByTestId('progress-track').click()
    await page.getByTestId('track-page').waitFor()
    assert(new URL(page.url()).pathname === '/track', `went to ${page.url()}`)
    const errors = () => page.locator('.van-field__error-message').allInnerTexts()
    await page.getByTestId('track-go').click()
    await page.getByText('请输入办件编号').waitFor()
    assert((await errors()).includes('请输入手机号后四位'), `errors: ${await errors()}`)
    await page.getByTestId('track-number').locator('input').fill('12345')
    await page.getByTestId('track-digits').locator('input').fill('12')
    await page.getByTestId('track-go').click()
    await page.getByText('办件编号是 14 位数字，请核对').waitFor()
    assert((await errors()).includes('请输入 4 位数字'), `errors: ${await errors()}`)
    await page.getByTestId('track-number').locator('input').fill('12345678901234') // check digit wrong
    await page.getByTestId('track-digits').locator('input').fill('1234')
    await page.getByTestId('track-go').click()
    await page.getByText('办件编号有误，请逐位核对').waitFor()
    await page.getByTestId('track-number').locator('input').fill('12345678901237') // well formed, nobody's
    await page.getByTestId('track-go').click()
    await page.getByTestId('track-error').filter({ hasText: '办件编号或手机号后四位不正确' }).waitFor()
  })

  await check('a logged-in resident with nothing unread sees the bell without a red 0', page, async () => {
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: NAME, idNumber: ID_NUMBER })
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    await page.getByTestId('home-inbox').waitFor()
    const badges = await page.getByTestId('home-inbox').locator('.van-badge').count()
    assert(badges === 0, `a badge is shown: ${await page.getByTestId('home-inbox').innerText()}`)
  })

  await check('an application submitted through the API shows in my cases and on its page', page, async () => {
    const form = {
      applicant_name: NAME, applicant_id_number: ID_NUMBER, contact_phone: RESIDENT_PHONE,
      business_name: '赵六小吃店', business_scope: '小吃', address: '浙江省杭州市西湖区文三路100号',
    }
    const draft = await call('POST', '/applications', { data: { service_code: YYZZ, form } })
    const photo = await call('POST', '/materials', {
      multipart: { file: { name: 'id.jpg', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO_PATH) }, kind: 'id_card' },
    })
    await call('PUT', `/applications/${draft.id}/materials/id_card`, { data: { material_id: photo.id } })
    const submitted = await call('POST', `/applications/${draft.id}/submit`, { headers: { 'Idempotency-Key': `resident-${Date.now()}` } })
    caseId = submitted.id
    trackingNo = submitted.tracking_no
    // Visit what should stay readable offline: 我的, the list and the case, with the service worker in control.
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await page.getByTestId('me-identity').waitFor()
    await page.goto(BASE_URL + '/progress', { waitUntil: 'networkidle' })
    await page.getByTestId(`case-${caseId}`).waitFor()
    await page.getByTestId(`case-${caseId}`).click()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    assert(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the page is not controlled by the service worker')
  })

  await check('offline, 我的, my cases and the case page show their last known state with its time and 重试', page, async () => {
    await first.context.setOffline(true)
    await page.goto(BASE_URL + '/me', { waitUntil: 'domcontentloaded' })
    await page.getByTestId('offline-notice').waitFor()
    await page.getByTestId('me-identity').filter({ hasText: '赵*' }).waitFor()
    assert((await page.getByText('您还没有登录').count()) === 0, '我的 says "not logged in" while offline')
    assert(/更新于 .*\d/.test(await page.getByTestId('offline-as-of').innerText()), 'no time on 我的')
    await page.getByTestId('offline-retry').waitFor()

    await page.goto(BASE_URL + '/progress', { waitUntil: 'domcontentloaded' })
    await page.getByTestId(`case-${caseId}`).filter({ hasText: trackingNo }).waitFor()
    await page.getByTestId('offline-as-of').waitFor()

    await page.goto(`${BASE_URL}/cases/${caseId}`, { waitUntil: 'domcontentloaded' })
    await page.getByTestId('offline-notice').filter({ hasText: '离线' }).waitFor()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    await page.getByTestId('case-timeline').waitFor()
    assert(/更新于 .*\d/.test(await page.getByTestId('offline-as-of').innerText()), 'no time on the case page')

    // Only what was shown is kept, and no full ID number.
    const kept = await page.evaluate(() => JSON.stringify(Object.entries(localStorage).filter(([k]) => k.startsWith('yiwang.lastKnown.'))))
    assert(kept.includes(trackingNo) && !kept.includes(ID_NUMBER), `kept on the device: ${kept.slice(0, 300)}`)

    await page.getByTestId('offline-retry').click()
    await page.getByTestId('offline-notice').waitFor() // still offline: the notice stays, nothing breaks
  })

  await check('back online, 重试 brings the live page back', page, async () => {
    await first.context.setOffline(false)
    await page.getByTestId('offline-retry').click()
    await page.getByTestId('offline-notice').waitFor({ state: 'detached' })
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    await page.getByTestId('case-fix').or(page.locator('img[alt="办件二维码"]')).first().waitFor()
  })

  await check('from the anonymous 进度 tab, another phone follows the case by number and phone digits', other, async () => {
    await other.goto(BASE_URL + '/progress', { waitUntil: 'networkidle' })
    await other.getByTestId('progress-track').click()
    await other.getByTestId('track-number').locator('input').fill(trackingNo)
    await other.getByTestId('track-digits').locator('input').fill(RESIDENT_PHONE.slice(-4))
    await other.getByTestId('track-go').click()
    await other.getByTestId('track-status').filter({ hasText: '已提交' }).waitFor()
    assert(new URL(other.url()).pathname === `/track/${trackingNo}`, `url: ${other.url()}`)
  })

  await check('devices are named by browser, system and model, with the kind of network', page, async () => {
    await other.setExtraHTTPHeaders({ 'User-Agent': WECHAT_UA })
    await residentSignsInAgain(other, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE })
    await page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    const rows = page.getByTestId('me-devices').locator('[data-testid^="device-"].device')
    await rows.nth(1).waitFor()
    const texts = await rows.allInnerTexts()
    assert(texts.length === 2, `devices: ${texts.join(' | ')}`)
    const wechat = texts.find((t) => t.includes('微信'))
    assert(wechat && wechat.includes('Android 13') && wechat.includes('V2227A') && wechat.includes('服务器所在电脑 127.0.*.*'), `WeChat device: ${wechat}`)
    const mine = texts.find((t) => !t.includes('微信'))
    assert(mine && /Chrome/.test(mine) && mine.includes('Linux'), `this device: ${mine}`)
    assert(!texts.some((t) => /^Android \/|127\.0\.\*\.\* ·$/.test(t)), 'an unparsed device')
  })

  await check('signing out a device asks first; cancelling keeps it', page, async () => {
    const row = page.getByTestId('me-devices').locator('.device', { hasText: '微信' })
    await row.getByTestId('device-sign-out').click()
    const dialog = page.locator('.device-signout-dialog')
    await dialog.getByText('将被退出登录').waitFor()
    await dialog.locator('.van-dialog__cancel').click()
    await dialog.waitFor({ state: 'hidden' })
    assert((await row.count()) === 1, 'cancelled, yet the device is gone')
    await row.getByTestId('device-sign-out').click()
    await dialog.locator('.van-dialog__confirm').click()
    await row.waitFor({ state: 'detached' })
  })

  await check('the signed-out device is told it was signed out from another device', other, async () => {
    await other.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await other.locator('.signed-out-dialog').getByText('您已在其他设备上被退出登录').waitFor()
    await other.locator('.signed-out-dialog .van-dialog__confirm').click()
    await other.getByTestId('me-signed-out').filter({ hasText: '另一台设备上被退出登录' }).waitFor()
    await other.getByTestId('me-login').waitFor()
    const kept = await other.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('yiwang.lastKnown.') && k !== 'yiwang.lastKnown.owner'))
    assert(kept.length === 0, `left on the signed-out device: ${kept}`)
  })

  await check('logging out leaves nothing of the person on the device', page, async () => {
    await page.getByTestId('me-logout').click()
    await page.locator('.van-dialog__confirm').click()
    await page.getByTestId('me-login').waitFor()
    const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('yiwang.lastKnown.') && k !== 'yiwang.lastKnown.owner'))
    assert(kept.length === 0, `left after logout: ${kept}`)
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`)
  })
} finally {
  await Promise.all([first.close(), second.close()])
}
finish()
