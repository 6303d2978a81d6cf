// 证照寄递 through the real stack and the fake EMS carrier (issue 14), in phone browsers: the resident
// asks for delivery on the case page (地区 picker, a named proxy allowed); a clerk accepts, approves
// and issues the certificate, which orders a waybill from the carrier; the carrier pushes 揽收 (203),
// 运输 (306) and 派送 (702); the resident's card shows 派送中 and the 签收码 (also sent by SMS). The
// courier signs in at /staff/login and lands on 今日派件, finds the parcel by its typed waybill, loses
// the signal (context.setOffline), confirms with the code and a photo: 待发送 1 条 on the phone; back
// online it is sent by itself and the parcel is 已签收. The resident then sees 已签收 and the photo.
// Env: BASE_URL, SMS_GATEWAY_URL, CARRIER_URL (the fake's base), RESIDENT_PHONE, CLERK_PHONE +
// CLERK_PASSWORD (a clerk whose scope covers 营业执照), COURIER_PHONE + COURIER_PASSWORD (a courier of
// the demo station), PHOTO_PATH (a JPEG); optional REGION ("省/市/区", a district the demo station
// serves), SERVICE_CODE (an item that may go by EMS, default 营业执照 000105001000).
import { readFileSync } from 'node:fs'
import { assert, checklist, clerkSignsIn, courierSignsIn, phoneBrowser, residentSignsIn } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, CARRIER_URL, RESIDENT_PHONE, CLERK_PHONE, CLERK_PASSWORD, COURIER_PHONE, COURIER_PASSWORD, PHOTO_PATH } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !CARRIER_URL || !RESIDENT_PHONE || !CLERK_PHONE || !CLERK_PASSWORD || !COURIER_PHONE || !COURIER_PASSWORD || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, CARRIER_URL, RESIDENT_PHONE, CLERK_PHONE, CLERK_PASSWORD, COURIER_PHONE, COURIER_PASSWORD and PHOTO_PATH are required')
  process.exit(2)
}
const SERVICE = env.SERVICE_CODE || '000105001000'
const REGION = (env.REGION || '江西省/九江市/德安县').split('/')
const PUSH_URL = `${BASE_URL}/api/v1/carrier/ems/push`
const { check, finish } = checklist('delivery')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const ids = { application: 0, waybill: '', code: '' }

/** A submitted application for an item that may go by EMS, over the API (the apply screens have journeys of their own). */
async function residentApplies(page) {
  const photo = readFileSync(PHOTO_PATH).toString('base64')
  return page.evaluate(async ({ code, photo, phone }) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const base = { Accept: 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) }
    const call = async (method, url, body, headers = {}) => {
      const json = body !== undefined && !(body instanceof FormData)
      const r = await fetch('/api/v1' + url, {
        method, headers: { ...base, ...(json ? { 'Content-Type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : json ? JSON.stringify(body) : body,
      })
      const answer = await r.json().catch(() => null)
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(answer)}`)
      return answer
    }
    const guide = await call('GET', `/services/${code}`)
    if (!guide.ems_allowed) throw new Error(`${code} does not go by EMS`)
    const prefill = (await call('GET', `/services/${code}/prefill`)).values || {}
    const sample = { text: '示例', textarea: '示例内容', number: '1', date: '2026-01-01', phone, address: '江西省九江市德安县蒲亭镇人民路1号' }
    const form = {}
    for (const f of guide.form_schema) form[f.key] = prefill[f.key] ?? (f.type === 'select' ? f.options[0] : sample[f.type] ?? '示例')
    const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))
    const draft = await call('POST', '/applications', { service_code: code, form })
    for (const m of guide.materials.filter((x) => x.required && !x.condition)) {
      const data = new FormData()
      data.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg')
      data.append('kind', m.key)
      const material = await call('POST', '/materials', data)
      await call('PUT', `/applications/${draft.id}/materials/${m.key}`, { material_id: material.id })
    }
    const done = await call('POST', `/applications/${draft.id}/submit`, undefined, { 'Idempotency-Key': crypto.randomUUID() })
    return done.id
  }, { code: SERVICE, photo, phone: RESIDENT_PHONE })
}

/** The clerk takes the case to 已出证 over the API (their screens have a journey of their own). */
async function clerkIssues(page, id) {
  await page.evaluate(async (id) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const post = async (url, body) => {
      const r = await fetch('/api/v1' + url, {
        method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) }, body: JSON.stringify(body),
      })
      if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`)
    }
    await post(`/staff/applications/${id}/accept`, { note: '' })
    await post(`/staff/applications/${id}/approve`, { note: '' })
    await post(`/staff/applications/${id}/issue-certificate`, { name: '营业执照' })
  }, id)
}

/** Choose 省, then 市, then 区县 in the 地区 lists (Vant's cascader: one list per level, a tap moves on). */
async function pickRegion(page, names) {
  await page.getByTestId('delivery-region').click()
  await page.locator('.van-cascader').waitFor()
  for (const name of names) {
    await page.locator('.van-cascader__options:visible .van-cascader__option', { hasText: name }).first().click()
    await sleep(300) // the next level's tab slides in
  }
  await page.locator('.van-cascader').waitFor({ state: 'hidden' })
}

async function push(opCode, opDesc) {
  const r = await fetch(`${CARRIER_URL}/_fake/push`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ waybill_no: ids.waybill, op_code: opCode, op_desc: opDesc, url: PUSH_URL }),
  })
  const answer = await r.json()
  assert(r.ok && answer.status === 200, `push ${opCode}: ${JSON.stringify(answer)}`)
}

try {
  const resident = await phoneBrowser()
  const desk = await phoneBrowser()
  const courier = await phoneBrowser()
  try {
    const page = resident.page
    await check('the resident signs in and submits a case whose certificate may go by EMS', page, async () => {
      await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '钱七', idNumber: '360426198503150128' })
      ids.application = await residentApplies(page)
    })

    await check('the case page offers 申请邮寄; the form takes recipient, 地区 from the picker, the address and a named proxy', page, async () => {
      await page.goto(`${BASE_URL}/cases/${ids.application}`, { waitUntil: 'networkidle' })
      await page.getByTestId('delivery-request').click()
      await page.getByTestId('delivery-request-page').waitFor()
      await page.getByTestId('delivery-name').locator('input').fill('钱七')
      await page.getByTestId('delivery-phone').locator('input').fill(RESIDENT_PHONE)
      await pickRegion(page, REGION)
      const region = (await page.getByTestId('delivery-region').locator('.van-cell__value').innerText()).trim()
      assert(region === REGION.join(' / '), `region shows ${region}`)
      await page.getByTestId('delivery-street').locator('input').fill('蒲亭镇')
      await page.getByTestId('delivery-detail').locator('textarea').fill('人民路 1 号 3 单元')
      await page.getByTestId('delivery-allow-proxy').click()
      await page.getByTestId('delivery-proxy-name').locator('input').fill('钱小七')
      await page.getByTestId('delivery-submit').click()
      await page.getByTestId('case-page').waitFor()
      await page.getByTestId('delivery-status').filter({ hasText: '已申请邮寄' }).waitFor()
      const card = await page.getByTestId('delivery-card').innerText()
      assert(card.includes('钱*') && !card.includes(RESIDENT_PHONE), `the card shows the recipient masked: ${card}`)
    })

    await check('the clerk issues the certificate and the carrier is asked for a waybill', desk.page, async () => {
      desk.page.setDefaultTimeout(30000)
      await clerkSignsIn(desk.page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: CLERK_PHONE, password: CLERK_PASSWORD })
      desk.page.setDefaultTimeout(10000)
      await clerkIssues(desk.page, ids.application)
      for (let i = 0; i < 120 && !ids.waybill; i++) {
        const { orders } = await (await fetch(`${CARRIER_URL}/_fake/orders`)).json()
        ids.waybill = orders.at(-1)?.waybill_no ?? ''
        if (!ids.waybill) await sleep(500)
      }
      assert(ids.waybill, 'no order reached the fake carrier in 60 s')
    })

    await check('the carrier pushes 揽收, 运输, 派送: the card shows 派送中, the events and the 签收码, which also went by SMS', page, async () => {
      await push('203', '已收寄')
      await push('306', '离开常山处理中心')
      await push('702', '蒲亭镇投递站安排投递')
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('delivery-status').filter({ hasText: '派送中' }).waitFor()
      assert((await page.getByTestId('delivery-waybill').innerText()).includes(ids.waybill), 'the waybill is on the card')
      ids.code = (await page.getByTestId('delivery-code').locator('strong').innerText()).trim()
      const shown = await page.getByTestId('delivery-events').locator('li').count()
      if (shown < 3) {
        const answer = await page.evaluate(async (id) => (await fetch(`/api/v1/applications/${id}/delivery`)).json(), ids.application)
        throw new Error(`${shown} carrier events on the card: ${JSON.stringify(answer.events)}`)
      }
      assert(/^\d{6}$/.test(ids.code), `签收码 ${ids.code}`)
      let messages = []
      for (let i = 0; i < 40; i++) { // sent after the step commits
        messages = await (await fetch(`${SMS_GATEWAY_URL}/_fake/messages?phone=${RESIDENT_PHONE}`)).json()
        if (messages.some((m) => m.params?.waybill === ids.waybill)) break
        await sleep(250)
      }
      assert(messages.some((m) => m.params?.code === ids.code && m.params?.waybill === ids.waybill),
        `the 签收码 SMS names the code and the waybill: ${JSON.stringify(messages.map((m) => ({ template: m.template, keys: Object.keys(m.params || {}) })))}`)
    })

    const c = courier.page
    await check('the courier signs in at /staff/login and lands on 今日派件 with the parcel, name and phone masked', c, async () => {
      c.setDefaultTimeout(30000)
      await courierSignsIn(c, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: COURIER_PHONE, password: COURIER_PASSWORD })
      c.setDefaultTimeout(10000)
      const row = c.locator('[data-testid^="parcel-"]', { hasText: ids.waybill }).first()
      await row.waitFor()
      const text = await row.innerText()
      assert(!text.includes(RESIDENT_PHONE) && /\*/.test(text), `masked in the list: ${text}`)
    })

    await check('a typed waybill opens the parcel: 本人 and 代收 offered (consented), 投柜 not', c, async () => {
      await c.getByTestId('courier-waybill').locator('input').fill(ids.waybill)
      await c.getByTestId('courier-find').click()
      await c.getByTestId('courier-parcel').waitFor()
      await c.getByTestId('signer-self').waitFor()
      assert(await c.getByTestId('signer-proxy').isVisible(), '代收 offered')
      assert((await c.getByTestId('signer-locker').count()) === 0, '投柜 not offered without consent')
    })

    let deliverRequests = 0
    c.on('request', (r) => {
      if (r.method() === 'POST' && /\/courier\/parcels\/\d+\/deliver$/.test(new URL(r.url()).pathname)) deliverRequests++
    })
    await check('offline, the courier confirms with the code and a photo: 待发送 1 条, kept on the phone', c, async () => {
      await courier.context.setOffline(true)
      await c.getByTestId('parcel-code').locator('input').fill(ids.code)
      await c.getByTestId('parcel-photo').setInputFiles(PHOTO_PATH)
      await c.getByTestId('parcel-photo-preview').waitFor()
      await c.getByTestId('parcel-confirm').click()
      await c.getByTestId('outbox-count').filter({ hasText: '待发送 1 条' }).waitFor()
      await c.getByTestId('parcel-pending').waitFor()
    })

    await check('back online, it is sent by itself: the parcel is 已签收 and nothing waits', c, async () => {
      await courier.context.setOffline(false)
      await c.getByTestId('parcel-done').waitFor({ timeout: 30000 })
      await c.getByTestId('outbox').waitFor({ state: 'detached' })
      assert(deliverRequests >= 1, 'the confirmation went to the server')
      await c.goto(`${BASE_URL}/courier`, { waitUntil: 'networkidle' })
      assert((await c.getByTestId('outbox').count()) === 0, 'nothing left to send after a reload')
    })

    await check('the resident sees 已签收 and the proof photo', page, async () => {
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('delivery-status').filter({ hasText: '已签收' }).waitFor()
      await page.getByTestId('delivery-proof').waitFor()
      assert((await page.getByTestId('delivery-code').count()) === 0, 'no 签收码 after delivery')
      const img = page.getByTestId('delivery-proof-photo')
      await img.waitFor()
      await page.waitForFunction((el) => el.complete, await img.elementHandle())
      const src = await img.getAttribute('src')
      const status = await page.evaluate(async (url) => { const r = await fetch(url); return `${r.status} ${r.headers.get('content-type')} ${(await r.blob()).size}` }, src)
      assert(await img.evaluate((el) => el.naturalWidth > 0), `the proof photo loads: ${src} answers ${status}`)
    })

    await check("the clerks' 寄递异常 list opens", desk.page, async () => {
      await desk.page.goto(`${BASE_URL}/staff/deliveries`, { waitUntil: 'networkidle' })
      await desk.page.getByTestId('staff-deliveries').waitFor()
      await desk.page.getByTestId('deliveries-list').or(desk.page.getByTestId('deliveries-empty')).first().waitFor()
    })
  } finally {
    await resident.close()
    await desk.close()
    await courier.close()
  }
} catch (e) {
  console.log(`not ok - journey aborted: ${e && e.stack ? e.stack : e}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}
finish()
