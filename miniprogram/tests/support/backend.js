/**
 * Direct HTTP to the test backend for what a page test needs done around the pages: a resident's case submitted over
 * the API (the apply pages have tests of their own), staff steps with a staff Bearer session (phone + password, then
 * the SMS code read from the fake SMS gateway, SMS_GATEWAY_URL), carrier events from the fake EMS (CARRIER_URL).
 */
const crypto = require('crypto')
const fs = require('fs')
const { httpRequest } = require('./wx')

const BASE = () => process.env.BASE_URL
const DEMO_PASSWORD = 'yiwang-demo-2026' // backend/demo.py
const DEMO_ADMIN = '13800000001' // 王管理: admin, every case (backend/demo.py STAFF)
const DEMO_COURIER = '13800000005' // 孙投递: courier of the demo station 蒲亭镇 (backend/delivery/demo.py)

/**
 * @param {string} method @param {string} path under /api/v1
 * @param {{ token?: string, body?: unknown, key?: string,
 *   form?: { fields: Record<string, string>, file: string, fileField?: string } }} [options]
 */
async function call(method, path, options = {}) {
  const headers = { Accept: 'application/json' }
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  if (options.key) headers['Idempotency-Key'] = options.key
  let body
  if (options.form) {
    const boundary = '----yiwangtest' + crypto.randomBytes(8).toString('hex')
    const parts = Object.entries(options.form.fields).map(
      ([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    )
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${options.form.fileField || 'file'}"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      fs.readFileSync(options.form.file),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    )
    body = Buffer.concat(parts)
    headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['Content-Type'] = 'application/json'
  }
  const res = await httpRequest(BASE() + '/api/v1' + path, { method, headers, body })
  const data = res.body ? JSON.parse(res.body) : null
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`)
  return data
}

/**
 * A submitted case of `code` for the resident holding `token` (verified), as the PWA's e2e journeys make one:
 * the form from the guide (prefill first), every required material uploaded and attached, then submit.
 * @returns {Promise<number>} the case's id
 */
async function submittedCase(token, code = '000105001000') {
  const guide = await call('GET', `/services/${code}`, { token })
  const prefill = (await call('GET', `/services/${code}/prefill`, { token })).values || {}
  const sample = { text: '示例', textarea: '示例内容', number: '1', date: '2026-01-01', phone: '13912345678', address: '江西省九江市德安县蒲亭镇人民路1号' }
  const form = {}
  for (const f of guide.form_schema) form[f.key] = prefill[f.key] ?? (f.type === 'select' ? f.options[0] : sample[f.type] ?? '示例')
  const draft = await call('POST', '/applications', { token, body: { service_code: code, form } })
  for (const m of guide.materials.filter((x) => x.required && !x.condition)) {
    const material = await call('POST', '/materials', { token, form: { fields: { kind: m.key }, file: process.env.PHOTO_PATH } })
    await call('PUT', `/applications/${draft.id}/materials/${m.key}`, { token, body: { material_id: material.id } })
  }
  const done = await call('POST', `/applications/${draft.id}/submit`, { token, key: crypto.randomUUID() })
  return done.id
}

/**
 * A staff Bearer session: phone + password, then the SMS code the fake gateway delivered. Test files log the same demo
 * staff in one after another: a code asked within the resend interval is a 429 with Retry-After, waited out as a
 * person would.
 */
async function staffSession(phone = DEMO_ADMIN, password = DEMO_PASSWORD) {
  for (let attempt = 1; ; attempt++) {
    const res = await httpRequest(BASE() + '/api/v1/auth/staff/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ phone, password }),
    })
    if (res.status < 300) break
    if (res.status !== 429 || attempt === 5) throw new Error(`POST /auth/staff/login: ${res.status} ${res.body}`)
    const wait = Number(res.headers['retry-after']) || 1
    await new Promise((r) => setTimeout(r, wait * 1000 + 100))
  }
  const res = await httpRequest(`${process.env.SMS_GATEWAY_URL}/_fake/messages?phone=${phone}`)
  const codes = JSON.parse(res.body).filter((m) => m.params && m.params.code)
  if (!codes.length) throw new Error(`no SMS code for ${phone}`)
  const session = await call('POST', '/auth/staff/verify', { body: { phone, code: codes[codes.length - 1].params.code, transport: 'bearer' } })
  return session.token
}

/** 受理, 审批通过, 出证 by staff (出证 queues the carrier's waybill order when a delivery was asked for). */
async function staffIssues(staffToken, id, name = '营业执照') {
  await call('POST', `/staff/applications/${id}/accept`, { token: staffToken, body: { note: '' } })
  await call('POST', `/staff/applications/${id}/approve`, { token: staffToken, body: { note: '' } })
  await call('POST', `/staff/applications/${id}/issue-certificate`, { token: staffToken, body: { name } })
}

/** The waybill the fake EMS gave for delivery `deliveryId` (the app's carrier worker orders it after 出证). */
async function waybillOrdered(deliveryId, timeout = 30000) {
  const deadline = Date.now() + timeout
  const ref = `YW${String(deliveryId).padStart(10, '0')}` // backend/delivery/jobs.py order_ref
  for (;;) {
    const { orders } = JSON.parse((await httpRequest(`${process.env.CARRIER_URL}/_fake/orders`)).body)
    const order = orders.find((o) => o.order_ref === ref)
    if (order) return order.waybill_no
    if (Date.now() > deadline) throw new Error('no order reached the fake EMS')
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** A signed EMS tracking push (040002) of one event to the app. */
async function carrierPush(waybill, opCode, opDesc) {
  const res = await httpRequest(`${process.env.CARRIER_URL}/_fake/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ waybill_no: waybill, op_code: opCode, op_desc: opDesc, url: `${BASE()}/api/v1/carrier/ems/push` }),
  })
  const answer = JSON.parse(res.body)
  if (answer.status !== 200) throw new Error(`push ${opCode}: ${res.body}`)
}

/** The courier hands the parcel over at the door: the 签收码, 本人签收, a photo (backend/delivery/courier.py). */
async function courierDelivers(courierToken, deliveryId, pickupCode) {
  return call('POST', `/courier/parcels/${deliveryId}/deliver`, {
    token: courierToken,
    key: crypto.randomUUID(),
    form: { fields: { pickup_code: pickupCode, signer_kind: 'self' }, file: process.env.PHOTO_PATH, fileField: 'photo' },
  })
}

/**
 * Another resident, straight over HTTP: WeChat login (a new openid), consent, 实名认证. `hold` holds a place (the
 * answer as it is: 201, or a refusal), `book` holds and confirms one (its id), `cancel` cancels.
 * @param {string} name
 */
async function otherResident(name = '王大山') {
  const { idNumber } = require('./people')
  const login = await httpRequest(process.env.WECHAT_URL + '/_fake/login-code', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ openid: 'o' + crypto.randomBytes(12).toString('hex') }),
  })
  const { documents } = await call('GET', '/legal/documents')
  const pick = (...names) => documents.filter((d) => names.includes(d.document)).map((d) => ({ document: d.document, version: d.version }))
  const { token } = await call('POST', '/auth/wechat/miniprogram', { body: { code: JSON.parse(login.body).code, accept: pick('terms', 'privacy') } })
  await call('POST', '/me/identity', { token, body: { name, id_number: idNumber(), accept: pick('id_number') } })
  const hold = (body) =>
    httpRequest(BASE() + '/api/v1/appointments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify(body),
    })
  return {
    token,
    hold,
    /** @returns {Promise<number>} the booked appointment's id */
    book: async (body) => {
      const held = await call('POST', '/appointments', { token, body, key: crypto.randomUUID() })
      const booked = await call('POST', `/appointments/${held.id}/confirm`, { token, body: {} })
      if (booked.status !== 'booked') throw new Error(`not booked: ${JSON.stringify(booked)}`)
      return booked.id
    },
    cancel: (id) => call('POST', `/appointments/${id}/cancel`, { token, body: {} }),
  }
}

module.exports = {
  otherResident,
  courierDelivers,
  DEMO_COURIER, call, submittedCase, staffSession, staffIssues, waybillOrdered, carrierPush, DEMO_ADMIN, DEMO_PASSWORD }
