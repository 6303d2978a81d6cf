// 预约候补 in the mini-program against the real backend (one WeChat user for the file): a day filled by other
// residents offers 排候补 on the booking page (the appointment notice asked in the tap first); the place in the line
// shows in 我的预约 and is left after a question; a place freed by a cancelled booking is offered (the backend's
// sweeper makes the offer: tests/test_miniprogram.py reopens cancelled places at once and sweeps every second) and
// accepted from 我的预约, or from the appointment page, which counts down to the offer's deadline.
//
// The day to fill: an administrator gives one item of hall 1 its own window group with one slot of one place a day
// (POST /admin/halls/1/groups, PUT /admin/groups/{id}/schedule, as the PWA's admin screens do), so one other
// resident's booking fills a day.
const { openPage, tap, text, waitForText, waitFor, lastNavigation } = require('./support/page')
const { idNumber } = require('./support/people')
const { call, otherResident, staffSession } = require('./support/backend')
const http = require('../utils/http')
const { api } = require('../utils/api')
const { acceptance } = require('../utils/consent')
const { timeText } = require('../utils/appointments')

const device = global.device
const BASE = process.env.BASE_URL
const TEMPLATE = (process.env.WECHAT_TEMPLATES || '').split(',')[2]
const HALL = '1'

// What wx.requestSubscribeMessage was asked (the adapter answers it; this only records the template ids).
const asked = []
const answer = global.wx.requestSubscribeMessage
global.wx.requestSubscribeMessage = (options) => {
  asked.push(options.tmplIds)
  return answer(options)
}

/** A request's index in the recorded requests. */
const requestIndex = (method, path, from = 0) =>
  device.requests.findIndex((r, i) => i >= from && r.method === method && r.path === '/api/v1' + path)

let service // the item with its own one-place window group at hall 1
let days // its open dates, in order

beforeAll(async () => {
  const admin = await staffSession()
  const hall = await call('GET', `/halls/${HALL}`)
  service = hall.services[hall.services.length - 1].code
  const group = await call('POST', `/admin/halls/${HALL}/groups`, {
    token: admin,
    body: { name: '候补测试窗口', items: [service], windows: ['9号窗口'], ticket_prefix: 'W' },
  })
  const week = [0, 1, 2, 3, 4].map((weekday) => ({ weekday, opens: '08:30', closes: '09:00', slot_minutes: 30, capacity: 1 }))
  await call('PUT', `/admin/groups/${group.id}/schedule`, { token: admin, body: { days: week } })
  days = (await call('GET', `/halls/${HALL}/days?service=${service}`)).days.filter((d) => d.bookable).map((d) => d.date)
  expect(days.length).toBeGreaterThanOrEqual(3)

  await http.login(await acceptance('terms', 'privacy'))
  await api.bindIdentity('钱候补', idNumber(), await acceptance('id_number'))
})

/** The booking page at `date` (hall 1, the item chosen), its times listed. */
async function bookingPageAt(date) {
  const page = await openPage(`/pages/appointments/appointments?book=1&service=${service}&hall=${HALL}`)
  await waitFor(() => page.instance.data.step === 'day' && page.instance.data.state === 'ready', 'the days')
  await tap(page, `#day-${date}`)
  await waitFor(() => page.instance.data.step === 'slot' && page.instance.data.state === 'ready', 'the times')
  return page
}

/** Wait until my entry for `date` has been offered a place (the app's sweeper, every second). */
async function offered(date) {
  const deadline = Date.now() + 20000
  for (;;) {
    const entry = (await api.myAppointments()).waiting.find((w) => w.date === date)
    if (entry && entry.status === 'offered' && entry.offer) return entry
    if (Date.now() > deadline) throw new Error(`no offer for ${date}: ${JSON.stringify(entry)}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

test('a full day offers 排候补: the notice asked in the tap, then the join; 我的预约 shows the place; 退出候补 after a question', async () => {
  const [date] = days
  await (await otherResident()).book({ hall_code: HALL, service_code: service, date, start: '08:30' })

  const page = await bookingPageAt(date)
  expect(page.instance.data.dayFull).toBe(true)
  await waitForText(page, '已经约满了')
  expect(page.querySelector('#booking-waiting-open').dom.textContent).toContain('现在有 0 人在候补')
  expect(page.querySelector('#booking-confirm')).toBeFalsy()

  const from = device.requests.length
  asked.length = 0
  const modals = device.modals.length
  await tap(page, '#booking-join-waiting')
  await waitFor(() => lastNavigation() && lastNavigation().kind === 'redirectTo' && lastNavigation().url === '/pages/appointments/appointments', '我的预约')
  expect(asked).toEqual([[TEMPLATE]])
  const reported = requestIndex('POST', '/me/wechat-subscriptions', from)
  const joined = requestIndex('POST', '/appointments/waiting', from)
  expect(reported).toBeGreaterThanOrEqual(0)
  expect(joined).toBeGreaterThan(reported) // the consent first, so the offer's notice can use it
  expect(device.modals[modals].content).toContain('已加入候补，第 1 位')

  const entry = (await api.myAppointments()).waiting.find((w) => w.date === date)
  expect([entry.status, entry.position, entry.service_code]).toEqual(['waiting', 1, service])
  const list = await openPage('/pages/appointments/appointments')
  await waitForText(list, '候补第 1 位')
  expect(list.querySelector(`#waiting-${entry.id}`).dom.textContent).toContain(entry.service_name)
  expect(text(list)).toContain('这一天共 1 人在候补')

  // 退出候补: a question first; 取消 keeps the place in the line.
  device.modalAnswers.push(false)
  const before = device.requests.length
  await tap(list, `#waiting-leave-${entry.id}`)
  await waitFor(() => device.modals.length > modals + 1, 'the question')
  expect(device.modals[device.modals.length - 1]).toEqual({ title: '退出候补', content: '确定退出这一天的候补吗？' })
  expect(requestIndex('DELETE', `/appointments/waiting/${entry.id}`, before)).toBe(-1)
  expect(list.querySelector(`#waiting-${entry.id}`)).toBeTruthy()

  await tap(list, `#waiting-leave-${entry.id}`)
  await waitFor(() => !list.querySelector(`#waiting-${entry.id}`), 'the entry gone from the list')
  expect(device.toasts).toContain('已退出候补')
  expect((await api.myAppointments()).waiting.find((w) => w.id === entry.id)).toBeUndefined()
})

test('a cancelled booking frees the place: it is offered with its deadline in 我的预约 and accepted there', async () => {
  const date = days[1]
  const other = await otherResident()
  const theirs = await other.book({ hall_code: HALL, service_code: service, date, start: '08:30' })
  const joined = await api.joinWaiting({ hall_code: HALL, service_code: service, date })
  expect(joined.position).toBe(1)
  await other.cancel(theirs)
  const entry = await offered(date)

  const list = await openPage('/pages/appointments/appointments')
  await waitForText(list, '有名额空出来了')
  const offer = list.querySelector(`#waiting-offer-${entry.id}`).dom.textContent
  expect(offer).toContain(`请在 ${timeText(entry.offer.hold_until)} 前确认`)
  expect(list.querySelector(`#waiting-${entry.id}`).dom.textContent).toContain(entry.status_label)

  asked.length = 0
  await tap(list, `#waiting-accept-${entry.id}`)
  await waitFor(() => lastNavigation().url === `/pages/appointment/appointment?id=${entry.offer.id}`, 'the appointment page')
  expect(asked).toEqual([[TEMPLATE]])
  expect(device.toasts).toContain('已约上，请按时到大厅')
  const a = await api.appointment(entry.offer.id)
  expect([a.status, a.date, a.start]).toEqual(['booked', date, '08:30'])
})

test('an offer opened on its page counts down to the deadline; 接受这个名额 books it and the QR shows', async () => {
  const date = days[2]
  const other = await otherResident()
  const theirs = await other.book({ hall_code: HALL, service_code: service, date, start: '08:30' })
  await api.joinWaiting({ hall_code: HALL, service_code: service, date })
  await other.cancel(theirs)
  const entry = await offered(date)

  const page = await openPage(`/pages/appointment/appointment?id=${entry.offer.id}`)
  await waitForText(page, '有名额空出来了')
  expect(text(page)).toContain(`请在 ${timeText(entry.offer.hold_until)} 前确认`)
  const left = (entry.offer.hold_until ? new Date(entry.offer.hold_until).getTime() : 0) - Date.now()
  const first = page.querySelector('#appointment-countdown').dom.textContent.trim()
  expect(first).toMatch(/^剩余 (\d+:)?\d{1,2}:\d{2}$/)
  // The time shown is the time left to the server's deadline (within a few seconds).
  const parts = first.replace('剩余 ', '').split(':').map(Number)
  const shown = parts.reduce((s, n) => s * 60 + n, 0)
  expect(Math.abs(shown - left / 1000)).toBeLessThan(5)
  await waitFor(() => page.querySelector('#appointment-countdown').dom.textContent.trim() !== first, 'the countdown ticking', 3000)

  asked.length = 0
  await tap(page, '#appointment-accept')
  await waitFor(() => page.instance.data.item.status === 'booked', 'booked')
  expect(asked).toEqual([[TEMPLATE]])
  expect(page.querySelector('#appointment-countdown')).toBeFalsy()
  expect(page.querySelector('#appointment-hold')).toBeFalsy()
  await waitForText(page, '到大厅后请出示这个二维码')
  expect((await api.appointment(entry.offer.id)).status).toBe('booked')
  page.detach()
})
