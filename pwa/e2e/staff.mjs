// The clerk's desk (issue 12, point 14) through the real stack: the seeded demo clerk 李窗口 finds
// the demo resident's cases waiting; 受理 and 一次性告知补正 ask first and cancelling does nothing;
// 不予受理 needs a written reason, which the resident then reads on the case; a finished case leaves
// 待办件 for 已办结; staff pages have no resident tab bar; touch targets are at least 44 px; the SMS
// step of the staff login can send the code again after its countdown.
// Env: BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD (the seeded demo clerk),
// RESIDENT_PHONE, RESEND_PHONE, RESEND_PASSWORD (a clerk of this run's own), PHOTO_PATH.
import { readFileSync } from 'node:fs'
import { assert, checklist, clerkSignsIn, latestCode, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD, RESIDENT_PHONE, RESEND_PHONE, RESEND_PASSWORD, PHOTO_PATH } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !CLERK_PHONE || !CLERK_PASSWORD || !RESIDENT_PHONE || !RESEND_PHONE || !RESEND_PASSWORD || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD, RESIDENT_PHONE, RESEND_PHONE, RESEND_PASSWORD and PHOTO_PATH are required')
  process.exit(2)
}
const { check, finish } = checklist('staff')
const JOBS = '000109004000' // 就业登记与失业登记: an item that hall 1 (the demo clerk's) takes
const REASON = '申请人已在外地办理就业登记，本中心不予受理'

/** The resident applies through the API (the apply screens have journeys of their own); the form is
 * filled from the item's own schema so that a richer form in the catalog does not break this journey. */
async function residentApplies(page) {
  const photo = readFileSync(PHOTO_PATH).toString('base64')
  return page.evaluate(async ({ code, photo }) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice(12)
    const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }
    const call = async (method, path, body, extra = {}) => {
      const r = await fetch('/api/v1' + path, { method, headers: { ...headers, ...extra }, body: body === undefined ? undefined : JSON.stringify(body) })
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`)
      return r.json()
    }
    const guide = await call('GET', `/services/${code}`)
    const form = (await call('GET', `/services/${code}/prefill`)).values
    const sample = { phone: '13912345678', date: '2026-01-05', number: 1 }
    for (const f of guide.form_schema) if (form[f.key] === undefined) form[f.key] = f.options?.length ? f.options[0] : sample[f.type] ?? '测试'
    const draft = await call('POST', '/applications', { service_code: code, form })
    const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))
    const data = new FormData()
    data.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'id.jpg')
    data.append('kind', 'id_card')
    const up = await fetch('/api/v1/materials', { method: 'POST', headers: { 'X-CSRF-Token': csrf }, body: data })
    const material = await up.json()
    for (const m of guide.materials) if (m.required !== false && !m.condition) await call('PUT', `/applications/${draft.id}/materials/${m.key}`, { material_id: material.id })
    const done = await call('POST', `/applications/${draft.id}/submit`, undefined, { 'Idempotency-Key': crypto.randomUUID() })
    return done.id
  }, { code: JOBS, photo })
}

/** Every control a finger uses on the page is at least 44×44 CSS px. */
async function smallTargets(page) {
  return page.evaluate(() => {
    const small = []
    for (const el of document.querySelectorAll('button, a[href], [role="tab"], .van-cell--clickable, .van-field, .van-nav-bar__left')) {
      const box = el.getBoundingClientRect()
      if (box.width === 0 || box.height === 0) continue // not shown
      if (box.width < 44 || box.height < 44) small.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 12)}" ${Math.round(box.width)}×${Math.round(box.height)}`)
    }
    return small
  })
}

async function noResidentTabs(page) {
  assert((await page.getByTestId('resident-tabbar').count()) === 0, `the resident tab bar shows on ${page.url()}`)
  assert((await page.locator('.van-tabbar').count()) === 0, `a tab bar shows on ${page.url()}`)
}

const resend = await phoneBrowser()
const clerk = await phoneBrowser()
const resident = await phoneBrowser()
const desk = clerk.page
const page = resident.page
const door = resend.page
let caseId = 0

try {
  await check('staff login: fields say what goes in them, the SMS step counts down to 重新发送, no resident tabs', door, async () => {
    await door.goto(BASE_URL + '/staff/login', { waitUntil: 'networkidle' })
    await noResidentTabs(door)
    for (const id of ['staff-phone', 'staff-password']) {
      const placeholder = await door.getByTestId(id).locator('input').getAttribute('placeholder')
      assert(placeholder && placeholder.length > 2, `${id} has no placeholder`)
    }
    await door.getByTestId('staff-phone').locator('input').fill(RESEND_PHONE)
    await door.getByTestId('staff-password').locator('input').fill(RESEND_PASSWORD)
    await door.getByTestId('staff-next').click()
    await door.getByTestId('staff-code').waitFor()
    assert(await door.getByTestId('staff-code').locator('input').getAttribute('placeholder'), 'the code field has no placeholder')
    const focused = await door.evaluate(() => document.activeElement?.closest('[data-testid="staff-code"]') !== null)
    assert(focused, 'the code field is not focused on the SMS step')
    const button = door.getByTestId('staff-resend')
    assert(await button.isDisabled(), 'resend is enabled during the countdown')
    assert(/\d+ 秒后重发/.test(await button.innerText()), `resend: ${await button.innerText()}`)
    assert((await smallTargets(door)).length === 0, `small targets: ${await smallTargets(door)}`)
  })

  await check('the seeded demo clerk signs in and finds the demo cases waiting in 待办件, without resident tabs', desk, async () => {
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: CLERK_PHONE, password: CLERK_PASSWORD })
    await desk.locator('[data-testid^="staff-case-"]').first().waitFor()
    const waiting = await desk.locator('[data-testid^="staff-case-"]').allInnerTexts()
    assert(waiting.length >= 2 && waiting.every((text) => text.includes('待受理')), `queue: ${waiting}`)
    await noResidentTabs(desk)
    const small = await smallTargets(desk)
    assert(small.length === 0, `small targets on the queue: ${small}`)
  })

  await check('a resident applies for an item of the clerk\'s hall; it joins the queue', page, async () => {
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '孙六', idNumber: '11010519491231002X' })
    caseId = await residentApplies(page)
    await desk.reload({ waitUntil: 'networkidle' })
    await desk.getByTestId(`staff-case-${caseId}`).click()
    await desk.getByTestId('staff-status').filter({ hasText: '待受理' }).waitFor()
    await noResidentTabs(desk)
  })

  await check('受理 and 一次性告知补正 ask first, saying what follows; cancelling changes nothing', desk, async () => {
    await desk.getByTestId('staff-accept').click()
    const accept = desk.locator('.staff-confirm-accept')
    await accept.waitFor()
    assert((await accept.innerText()).includes('开始计算办理时限'), `accept dialog: ${await accept.innerText()}`)
    await accept.locator('.van-dialog__cancel').click()
    await accept.waitFor({ state: 'hidden' })
    const firstMark = desk.locator('[data-testid^="mark-"]').first()
    await firstMark.locator('input').fill('请写完整')
    await desk.getByTestId('staff-correction').click()
    const correction = desk.locator('.staff-confirm-correction')
    await correction.waitFor()
    assert((await correction.innerText()).includes('请写完整'), `correction dialog: ${await correction.innerText()}`)
    await correction.locator('.van-dialog__cancel').click()
    await correction.waitFor({ state: 'hidden' })
    await firstMark.locator('input').fill('')
    await desk.reload({ waitUntil: 'networkidle' })
    await desk.getByTestId('staff-status').filter({ hasText: '待受理' }).waitFor()
    const timeline = (await desk.request.get(`${BASE_URL}/api/v1/applications/${caseId}`).then((r) => r.json())).timeline
    assert(timeline.length === 1, `cancelled steps were taken: ${JSON.stringify(timeline.map((s) => s.text))}`)
  })

  await check('不予受理 needs a written reason; with one the case is refused', desk, async () => {
    await desk.getByTestId('staff-refuse').click()
    const dialog = desk.locator('.staff-reason-dialog')
    await dialog.waitFor()
    assert((await dialog.innerText()).includes('不予受理'), `refusal dialog: ${await dialog.innerText()}`)
    await dialog.locator('.van-dialog__confirm').click()
    await dialog.getByText('请写明理由').waitFor()
    assert(await dialog.isVisible(), 'the dialog closed without a reason')
    const small = await smallTargets(desk)
    assert(small.length === 0, `small targets with the dialog open: ${small}`)
    await desk.getByTestId('staff-reason').locator('textarea').fill(REASON)
    await dialog.locator('.van-dialog__confirm').click()
    await dialog.waitFor({ state: 'hidden' })
    await desk.getByTestId('staff-status').filter({ hasText: '未通过' }).waitFor()
  })

  await check('the resident reads 不予受理 and the reason on the case', page, async () => {
    await page.goto(`${BASE_URL}/cases/${caseId}`, { waitUntil: 'networkidle' })
    const timeline = page.getByTestId('case-timeline')
    await timeline.getByText('不予受理', { exact: true }).waitFor()
    assert((await timeline.innerText()).includes(REASON), `timeline: ${await timeline.innerText()}`)
  })

  await check('the refused case leaves 待办件 and is found under 已办结', desk, async () => {
    await desk.getByTestId('staff-back').locator('.van-nav-bar__left').click()
    await desk.getByTestId('staff-queue').waitFor()
    await desk.locator('[data-testid^="staff-case-"]').first().waitFor()
    assert((await desk.getByTestId(`staff-case-${caseId}`).count()) === 0, 'the refused case is still in 待办件')
    await desk.getByRole('tab', { name: '已办结' }).click()
    await desk.getByTestId(`staff-case-${caseId}`).filter({ hasText: '未通过' }).waitFor()
    const small = await smallTargets(desk)
    assert(small.length === 0, `small targets on 已办结: ${small}`)
  })

  await check('the clerk accepts a demo case after confirming; deciding it is left to an approver', desk, async () => {
    await desk.getByRole('tab', { name: '待办' }).click()
    await desk.locator('[data-testid^="staff-case-"]').first().click()
    await desk.getByTestId('staff-accept').click()
    await desk.locator('.staff-confirm-accept .van-dialog__confirm').click()
    await desk.getByTestId('staff-status').filter({ hasText: '已受理' }).waitFor()
    assert((await desk.getByTestId('staff-approve').count()) === 0, 'a window clerk is offered 审批通过')
    assert((await desk.getByTestId('staff-correction').count()) === 0, 'correction is offered after acceptance')
  })

  await check('after the countdown the SMS step sends a new code, which signs the clerk in', door, async () => {
    const button = door.getByTestId('staff-resend')
    await door.waitForFunction(() => !document.querySelector('[data-testid="staff-resend"]')?.disabled, null, { timeout: 75000 })
    await button.click()
    const code = await latestCode(SMS_GATEWAY_URL, RESEND_PHONE, 1)
    // the countdown starts when the answer to the send arrives, which may be after the code reached the gateway
    await door.waitForFunction(
      () => /\d+ 秒后重发/.test(document.querySelector('[data-testid="staff-resend"]')?.innerText ?? ''),
      null,
      { timeout: 10000 },
    )
    await door.getByTestId('staff-code').locator('input').fill(code)
    await door.getByTestId('staff-next').click()
    await door.getByTestId('staff-queue').waitFor()
    await noResidentTabs(door)
  })
} finally {
  await resend.close()
  await clerk.close()
  await resident.close()
}
finish()
