// 申诉 in the mini-program against the real backend: the WeChat user of this file is a resident whose online booking
// our own code suspended (tests/test_miniprogram.py `suspended_resident`: a WeChat login, 实名认证, bookings on the
// last working days marked as no-shows by the hall's clerk through noshow.mark, so the published rule suspended
// them). SUSPENDED_OPENID is that user's openid: this device logs in as them through the fake WeChat.
//
// 我的预约 shows the suspension with its end and 我要申诉; a reason shorter than the server's rule is refused by the page
// (counted as the server counts it) and the server's own 422 says the same; a proper reason is sent and the page
// shows the server's status label and the reason; a page opened before the appeal gets the server's 409 and shows
// the state as it is; booking while suspended is refused with the server's words; staff (the demo admin, over HTTP)
// refuse the appeal, then lift the suspension after a second one, and the page shows each state on reload.
const { openPage, tap, type, text, waitForText, waitFor } = require('./support/page')
const { httpRequest } = require('./support/wx')
const { call, staffSession } = require('./support/backend')
const http = require('../utils/http')
const { api } = require('../utils/api')
const { acceptance } = require('../utils/consent')
const { dayText } = require('../utils/appointments')

const device = global.device
const BASE = process.env.BASE_URL
const UNTIL = process.env.SUSPENDED_UNTIL || ''
const HALL = '1' // where the no-shows were (tests/test_miniprogram.py APPEAL_HALL)
const SHORT = '请写明原因（至少 2 个字）'
const REASON = '那几天老伴住院，我在医院陪护，有住院证明'

/** The appeal straight over HTTP with this device's session: the server's answer, whatever it is. */
async function appealOverHttp(body) {
  const res = await httpRequest(BASE + '/api/v1/appointments/suspension/appeal', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Accept-Language': 'zh-CN',
      Authorization: `Bearer ${device.storage.get('yiwang.token')}`,
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, problem: JSON.parse(res.body) }
}

/** Requests to the appeal endpoint made since `from`. */
const appealsSince = (from) => device.requests.slice(from).filter((r) => r.method === 'POST' && r.path === '/api/v1/appointments/suspension/appeal')

/** My suspension in force, as the staff list shows it (the demo admin sees everyone's). */
async function mineForStaff(staff) {
  const { items } = await call('GET', '/staff/suspensions', { token: staff })
  const me = await api.myAppointments()
  return items.find((s) => me.suspension && s.id === me.suspension.id)
}

/** 我的预约, loaded. */
async function minePage() {
  const page = await openPage('/pages/appointments/appointments')
  await waitFor(() => page.instance.data.state === 'ready', '我的预约')
  return page
}

beforeAll(async () => {
  expect(process.env.SUSPENDED_OPENID).toBeTruthy()
  device.openid = process.env.SUSPENDED_OPENID // this device is the suspended resident's WeChat
  const session = await http.login(await acceptance('terms', 'privacy'))
  expect(session.token).toBeTruthy()
})

test('我的预约 shows the suspension with its end date and 我要申诉; booking is not offered', async () => {
  expect(UNTIL).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  const state = await api.myAppointments()
  expect(state.suspension).toMatchObject({ status: 'active', until: UNTIL, can_appeal: true, no_shows: 3 })

  const page = await minePage()
  const notice = page.querySelector('#appointments-suspension').dom.textContent
  expect(notice).toContain('网上预约已暂停')
  expect(notice).toContain(`${dayText(UNTIL)}起可以重新预约`)
  expect(notice).toContain(state.suspension.rule) // the published rule, in the server's words
  expect(page.querySelector('#appointments-appeal').dom.textContent).toContain('我要申诉')
  expect(page.querySelector('#appointments-new')).toBeFalsy() // no way into booking while suspended
  // the three missed bookings, with the server's label
  expect(state.items.filter((a) => a.status === 'no_show')).toHaveLength(3)
  const missed = state.items.find((a) => a.status === 'no_show')
  expect(text(page)).toContain(missed.status_label)
})

test('a reason shorter than 2 characters is refused by the page, as the server refuses it (422)', async () => {
  const page = await minePage()
  await tap(page, '#appointments-appeal')
  await waitFor(() => page.querySelector('#appointments-appeal-form'), 'the appeal form')
  const from = device.requests.length

  await tap(page, '#appointments-appeal-send') // nothing written
  await waitForText(page, SHORT)
  for (const short of ['  ', '病', ' 病 ', '𠮷']) {
    // '𠮷' (a character of names, outside the BMP) is one character to the server, two UTF-16 units in JavaScript
    await type(page, '#appointments-appeal-text', short)
    expect(page.instance.data.appealError).toBe('') // typing clears the message
    await tap(page, '#appointments-appeal-send')
    await waitForText(page, SHORT)
  }
  expect(appealsSince(from)).toEqual([]) // the page's own check: nothing was sent

  // The server's rule is the same: one character (also '𠮷') is refused with its own Chinese message for the field.
  for (const short of ['病', '𠮷']) {
    const { status, problem } = await appealOverHttp({ text: short })
    expect(status).toBe(422)
    const field = problem.errors.find((e) => e.field.endsWith('text'))
    expect(field.message).toBe('至少需要 2 个字符')
  }
  expect((await api.myAppointments()).suspension.status).toBe('active')

  await tap(page, '#appointments-appeal-cancel')
  await waitFor(() => !page.querySelector('#appointments-appeal-form'), 'the form closed')
  expect(page.querySelector('#appointments-appeal')).toBeTruthy()
})

test('a proper reason is sent: the page shows the server\'s status label and the reason; an older page is told by the server', async () => {
  const older = await minePage() // opened before the appeal, its form open too
  await tap(older, '#appointments-appeal')
  await type(older, '#appointments-appeal-text', '家里有急事')

  const page = await minePage()
  await tap(page, '#appointments-appeal')
  await type(page, '#appointments-appeal-text', `  ${REASON}  `)
  const from = device.requests.length
  await tap(page, '#appointments-appeal-send')
  await waitFor(() => page.querySelector('#appointments-appealed'), 'the appealed state')
  expect(appealsSince(from)).toHaveLength(1)
  expect(device.toasts).toContain('申诉已提交')

  const { suspension } = await api.myAppointments()
  expect([suspension.status, suspension.appeal, suspension.can_appeal]).toEqual(['appealed', REASON, false])
  expect(page.querySelector('#appointments-appealed').dom.textContent).toContain(`${suspension.status_label}：您的申诉已提交`)
  expect(text(page)).toContain(`您写的原因：${REASON}`)
  expect(page.querySelector('#appointments-appeal')).toBeFalsy() // sent once
  expect(page.querySelector('#appointments-appeal-form')).toBeFalsy()

  // The older page still offers its form: the server answers 409, the page shows its words and the state as it is.
  const toasts = device.toasts.length
  await tap(older, '#appointments-appeal-send')
  await waitFor(() => older.querySelector('#appointments-appealed'), 'the older page showing the appeal')
  expect(device.toasts.slice(toasts)).toContain('您的网上预约没有被暂停，或申诉已经在处理中。')
  expect(older.querySelector('#appointments-appeal-form')).toBeFalsy()
  expect(text(older)).toContain(`您写的原因：${REASON}`) // the first reason stands
  expect((await api.myAppointments()).suspension.appeal).toBe(REASON)
})

test('booking while suspended is refused with the server\'s Chinese message naming the date', async () => {
  const hall = await api.hall(HALL)
  const service = hall.services[0].code
  const page = await openPage(`/pages/appointments/appointments?book=1&service=${service}&hall=${HALL}`)
  await waitFor(() => page.instance.data.step === 'day' && page.instance.data.state === 'ready', 'the days')
  const day = page.instance.data.days.find((d) => d.bookable)
  expect(day).toBeTruthy()
  await tap(page, `#day-${day.date}`)
  await waitFor(() => page.instance.data.step === 'slot' && page.instance.data.state === 'ready', 'the times')
  const slot = page.instance.data.slots.find((s) => !s.full)
  await tap(page, `#slot-${slot.start}`)
  const before = (await api.myAppointments()).items.length
  await tap(page, '#booking-confirm')
  await waitFor(() => page.querySelector('#booking-notice'), 'the refusal')

  const [y, m, d] = UNTIL.split('-').map(Number)
  const notice = page.querySelector('#booking-notice').dom.textContent
  expect(notice).toContain(`网上预约暂停到 ${y}年${m}月${d}日`)
  expect(notice).toContain('可以在“我的预约”里申诉')
  expect(device.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/appointments')).toBe(true) // asked, refused
  expect((await api.myAppointments()).items).toHaveLength(before) // nothing held
})

test('staff refuse the appeal: the page offers 我要申诉 again; a second appeal is lifted: booking opens again', async () => {
  const staff = await staffSession() // the demo admin
  const appealed = await mineForStaff(staff)
  expect([appealed.status, appealed.appeal]).toEqual(['appealed', REASON])

  const refused = await call('POST', `/staff/suspensions/${appealed.id}/refuse`, { token: staff, body: { note: '住院证明日期与预约日期不符' } })
  expect(refused.status).toBe('active')
  const page = await minePage()
  await waitFor(() => page.querySelector('#appointments-appeal'), '我要申诉 again')
  expect(page.querySelector('#appointments-appealed')).toBeFalsy()
  expect(page.querySelector('#appointments-suspension').dom.textContent).toContain(`${dayText(UNTIL)}起可以重新预约`)

  const second = '补充了医院开具的陪护证明，日期一致'
  await tap(page, '#appointments-appeal')
  await type(page, '#appointments-appeal-text', second)
  await tap(page, '#appointments-appeal-send')
  await waitFor(() => page.querySelector('#appointments-appealed'), 'the second appeal')
  expect(text(page)).toContain(`您写的原因：${second}`)

  const lifted = await call('POST', `/staff/suspensions/${appealed.id}/lift`, { token: staff, body: { note: '已核实' } })
  expect(lifted.status).toBe('lifted')
  const after = await minePage()
  expect(after.querySelector('#appointments-suspension')).toBeFalsy()
  expect(after.querySelector('#appointments-new')).toBeTruthy() // 预约办事 is back
  await waitForText(after, '预约须知')
  expect((await api.myAppointments()).suspension).toBeNull()
  const { items } = await call('GET', '/staff/suspensions', { token: staff })
  expect(items.map((s) => s.id)).not.toContain(appealed.id) // no longer in force
})
