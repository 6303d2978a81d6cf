// 帮办代办 (issue 15) in two phone browsers: a township worker signs in at /staff/login and opens 帮办代办,
// looks a villager up by ID number with a reason (not found), registers them, records a delegation for all
// errands with a photo of the signed 授权委托书 (progress shown) and a second one for one chosen errand with
// the code texted to the villager (after a wrong code), reveals the full ID number (asked for a reason),
// enters 代办模式 (the banner "正在为 孙** 代办" stays on every screen), applies for 高龄津贴 with the
// villager's prefilled identity and a photographed ID card (its thumbnail shown), submits, and ends 代办模式;
// the worker's dashboard lists the case. The villager then logs in by SMS on their own browser, verifies the
// same name and ID number, and finds the case on 进度 with the 代办员 on its timeline.
// Env: BASE_URL, SMS_GATEWAY_URL, WORKER_PHONE + WORKER_PASSWORD (staff scoped township:…), VILLAGER_PHONE,
// VILLAGER_NAME, VILLAGER_ID (born before 1946; the fake carrier knows phone, name and ID), PHOTO_PATH and
// FORM_PATH (JPEGs); optional SERVICE_CODE (default 高龄津贴申领 000110004000).
import { assert, checklist, clerkSignsIn, imageLoads, codesSent, continueAfterVerifying, latestCode, phoneBrowser, residentLogsIn, residentVerifies } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, WORKER_PHONE, WORKER_PASSWORD, VILLAGER_PHONE, VILLAGER_NAME, VILLAGER_ID, PHOTO_PATH, FORM_PATH } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !WORKER_PHONE || !WORKER_PASSWORD || !VILLAGER_PHONE || !VILLAGER_NAME || !VILLAGER_ID || !PHOTO_PATH || !FORM_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, WORKER_PHONE, WORKER_PASSWORD, VILLAGER_PHONE, VILLAGER_NAME, VILLAGER_ID, PHOTO_PATH and FORM_PATH are required')
  process.exit(2)
}
const SERVICE = env.SERVICE_CODE || '000110004000'
const MASKED = VILLAGER_NAME[0] + '*'.repeat(VILLAGER_NAME.length - 1)
const { check, finish } = checklist('assist')
const ids = { person: 0, delegation: 0, application: 0 }

const worker = await phoneBrowser()
const villager = await phoneBrowser()
const desk = worker.page

try {
  await check('the township worker signs in and lands on 帮办代办', desk, async () => {
    desk.setDefaultTimeout(30000) // the password step does scrypt work
    // A township worker (staff scoped to a township only) lands on 帮办代办 itself.
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: WORKER_PHONE, password: WORKER_PASSWORD, lands: 'assist-home' })
    desk.setDefaultTimeout(10000)
    await desk.getByTestId('assist-find-link').waitFor()
  })

  await check('looking up needs a reason; an unknown ID number offers to register', desk, async () => {
    await desk.getByTestId('assist-find-link').click()
    await desk.getByTestId('assist-find').waitFor()
    await desk.getByTestId('assist-find-id').locator('input').fill(VILLAGER_ID)
    await desk.getByTestId('assist-find-submit').click()
    await desk.getByTestId('assist-find-reason').getByRole('alert').waitFor()
    await desk.getByTestId('reason-errand').click()
    await desk.getByTestId('assist-find-submit').click()
    await desk.getByTestId('assist-not-found').waitFor()
  })

  await check('register the villager: name, the ID number carried over, their own phone; the page shows them masked', desk, async () => {
    await desk.getByTestId('assist-register-found').click()
    await desk.getByTestId('assist-register').waitFor()
    const carried = await desk.getByTestId('assist-register-id').locator('input').inputValue()
    assert(carried === VILLAGER_ID, `ID number carried over: ${carried}`)
    await desk.getByTestId('assist-register-name').locator('input').fill(VILLAGER_NAME)
    await desk.getByTestId('assist-register-phone').locator('input').fill(VILLAGER_PHONE)
    await desk.getByTestId('assist-register-submit').click()
    await desk.getByTestId('assist-villager').waitFor()
    await desk.getByTestId('assist-villager-name').filter({ hasText: MASKED }).waitFor()
    const shown = await desk.getByTestId('assist-villager-id').innerText()
    assert(!shown.includes(VILLAGER_ID) && shown.includes(VILLAGER_ID.slice(-4)), `masked ID number: ${shown}`)
    ids.person = Number(new URL(desk.url()).pathname.split('/').pop())
    await desk.getByTestId('assist-no-delegations').waitFor()
  })

  await check('a delegation for all errands becomes active with the photo of the signed form (with progress)', desk, async () => {
    await desk.getByTestId('assist-new-delegation').click()
    await desk.getByTestId('delegation-form').waitFor()
    await desk.getByTestId('delegation-by-photo').click()
    await desk.getByTestId('delegation-create').click()
    await desk.getByTestId('delegation-photo').waitFor()
    ids.delegation = Number(new URL(desk.url()).pathname.split('/').pop())
    const sawProgress = desk.getByTestId('delegation-progress').waitFor({ timeout: 5000 }).then(() => true, () => false)
    await desk.getByTestId('delegation-upload').locator('input[type=file]').setInputFiles(FORM_PATH)
    await desk.getByTestId('delegation-active').waitFor()
    assert(await sawProgress, 'no upload progress was shown')
  })

  await check('back on the villager\'s page the delegation is 已生效', desk, async () => {
    await desk.getByTestId('delegation-back').click()
    await desk.getByTestId(`delegation-status-${ids.delegation}`).filter({ hasText: '授权有效' }).waitFor()
  })

  await check('a second delegation, for one chosen errand, becomes active with the code texted to the villager\'s phone', desk, async () => {
    await desk.getByTestId('assist-new-delegation').click()
    await desk.getByTestId('delegation-chosen').click()
    await desk.getByTestId('delegation-search').locator('input').fill('高龄')
    await desk.getByTestId(`delegation-errand-${SERVICE}`).click()
    await desk.getByTestId('delegation-by-sms').click()
    await desk.getByTestId('delegation-create').click()
    await desk.getByTestId('delegation-sms').waitFor()
    const before = await codesSent(SMS_GATEWAY_URL, VILLAGER_PHONE)
    await desk.getByTestId('delegation-send').click()
    const code = await latestCode(SMS_GATEWAY_URL, VILLAGER_PHONE, before)
    await desk.getByTestId('delegation-code').locator('input').fill(code === '000000' ? '111111' : '000000')
    await desk.getByTestId('delegation-confirm').click()
    await desk.getByTestId('delegation-code').locator('.van-field__error-message').waitFor()
    await desk.getByTestId('delegation-code').locator('input').fill(code)
    await desk.getByTestId('delegation-confirm').click()
    await desk.getByTestId('delegation-active').waitFor()
    await desk.getByTestId('delegation-back').click()
    await desk.getByTestId('assist-delegations').locator('li').nth(1).waitFor()
  })

  await check('显示完整身份证号 asks for the reason, then shows the full number (staff of the delegation\'s township)', desk, async () => {
    await desk.getByTestId('assist-reveal').click()
    await desk.getByTestId('assist-reveal-submit').click()
    await desk.getByTestId('assist-reveal-reason').getByRole('alert').waitFor()
    await desk.getByTestId('assist-reveal-reason').getByTestId('reason-identity').click()
    await desk.getByTestId('assist-reveal-submit').click()
    await desk.getByTestId('assist-villager-id').filter({ hasText: VILLAGER_ID }).waitFor()
    await desk.getByTestId('assist-hide').click()
    await desk.getByTestId('assist-villager-id').filter({ hasNotText: VILLAGER_ID }).waitFor()
  })

  await check('为 TA 办事: the banner names the villager on every screen, including the resident ones', desk, async () => {
    await desk.getByTestId(`delegation-act-${ids.delegation}`).click()
    await desk.getByTestId('acting-banner').filter({ hasText: `正在为 ${MASKED} 代办` }).waitFor()
    await desk.goto(`${BASE_URL}/services/${SERVICE}`, { waitUntil: 'networkidle' })
    await desk.getByTestId('guide-page').waitFor()
    await desk.getByTestId('acting-banner').filter({ hasText: MASKED }).waitFor()
  })

  await check('apply for the villager: their identity prefilled, the ID card photographed, submitted', desk, async () => {
    await desk.getByTestId('guide-apply').click()
    await desk.getByTestId('apply-page').waitFor()
    const name = await desk.getByTestId('field-applicant_name').locator('input').inputValue()
    const id = await desk.getByTestId('field-applicant_id_number').locator('input').inputValue()
    assert(name === VILLAGER_NAME && id === VILLAGER_ID, `prefilled for the villager: ${name} ${id}`)
    ids.application = Number(new URL(desk.url()).pathname.split('/').pop())
    await desk.getByTestId('field-address').locator('input').fill('江西省九江市德安县蒲亭镇东村 8 号')
    await desk.getByTestId('field-address').locator('input').blur()
    await desk.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(PHOTO_PATH)
    await desk.getByTestId('material-id_card').getByTestId('material-attached').waitFor()
    // The villager's photo is theirs: the worker's browser shows it only under the delegation.
    const thumb = await imageLoads(desk, '[data-testid="material-id_card"] img[data-testid="material-thumb"]')
    assert(thumb, 'the photographed ID card shows no thumbnail while acting')
    // …and its 查看 link opens the photo fetched under the delegation (a plain link would go without the header).
    const [popup] = await Promise.all([desk.waitForEvent('popup'), desk.locator('[data-testid="material-id_card"] a.material-thumb').click()])
    const width = await popup.waitForFunction(() => document.querySelector('img')?.naturalWidth ?? 0, null, { timeout: 10000 })
    assert((await width.jsonValue()) > 100, 'the linked photo does not open')
    await popup.close()
    await desk.getByTestId('apply-submit').click()
    await desk.getByTestId('case-page').waitFor()
    await desk.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    await desk.getByTestId('acting-banner').waitFor()
    const qr = await desk.waitForFunction(() => (document.querySelector('[data-testid="case-qr"] img')?.naturalWidth ?? 0) > 0, null, { timeout: 10000 })
      .then(() => true, () => false)
    assert(qr, 'the tracking QR does not show while acting')
  })

  await check('结束代办 asks first, then the banner is gone and requests are the worker\'s own', desk, async () => {
    await desk.getByTestId('acting-end').click()
    await desk.locator('.van-dialog__confirm').click()
    await desk.getByTestId('assist-villager').waitFor()
    assert(!(await desk.getByTestId('acting-banner').isVisible()), 'the banner stayed')
    const mine = await desk.evaluate(async () => (await fetch('/api/v1/applications', { headers: { Accept: 'application/json' } })).json())
    assert(!(mine.items || []).some((c) => c.id === ids.application), 'the villager\'s case shows as the worker\'s own')
  })

  await check('the worker\'s dashboard lists the villager\'s open case', desk, async () => {
    await desk.goto(BASE_URL + '/assist', { waitUntil: 'networkidle' })
    await desk.getByTestId(`assist-case-${ids.application}`).filter({ hasText: MASKED }).waitFor()
  })

  await check('the worker logs out from 帮办代办 (asked first) and is back at the staff sign-in', desk, async () => {
    await desk.getByTestId('assist-logout').locator('.van-nav-bar__right').click()
    await desk.locator('.van-dialog__confirm').click()
    await desk.getByTestId('staff-login').waitFor()
    const me = await desk.evaluate(async () => (await fetch('/api/v1/staff/me', { headers: { Accept: 'application/json' } })).status)
    assert(me === 401, `the session answered ${me} after logging out`)
  })

  await check('the villager logs in by SMS, verifies the same ID number and sees the case with the 代办员', villager.page, async () => {
    const page = villager.page
    await residentLogsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: VILLAGER_PHONE })
    await page.getByTestId('identity-page').or(page.getByTestId('me-page')).first().waitFor()
    if (await page.getByTestId('identity-page').isVisible()) {
      await residentVerifies(page, { name: VILLAGER_NAME, idNumber: VILLAGER_ID })
      await continueAfterVerifying(page)
    }
    await page.goto(BASE_URL + '/progress', { waitUntil: 'networkidle' })
    await page.getByTestId(`case-${ids.application}`).click()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    await page.getByTestId('case-timeline').filter({ hasText: '代办' }).waitFor()
  })
} finally {
  await worker.close()
  await villager.close()
}
finish()
