// 预约 in the mini-program against the real backend (one WeChat user for the file): the list asks for 实名认证
// first; booking goes hall → item → day → time and asks for the appointment notice in the tap before booking (a
// refusal does not stop it); the booking is in 我的预约 with the server's status label; its page shows the QR code
// that decodes to the appointment's code (what the hall's scanner reads); it is moved to another day and cancelled,
// each after a question; a time taken by others meanwhile says so in Chinese and shows as 已满.
const jsQR = require('jsqr')
const { openPage, tap, text, waitForText, waitFor, lastNavigation } = require('./support/page')
const { httpRequest } = require('./support/wx')
const { otherResident } = require('./support/backend')
const { idNumber } = require('./support/people')
const http = require('../utils/http')
const { api } = require('../utils/api')
const { acceptance } = require('../utils/consent')

const device = global.device
const BASE = process.env.BASE_URL
const TEMPLATE = (process.env.WECHAT_TEMPLATES || '').split(',')[2]

// What wx.requestSubscribeMessage was asked (the adapter answers it; this only records the template ids).
const asked = []
const answer = global.wx.requestSubscribeMessage
global.wx.requestSubscribeMessage = (options) => {
  asked.push(options.tmplIds)
  return answer(options)
}

/** A POST's index in the recorded requests. */
const requestIndex = (path, from = 0) => device.requests.findIndex((r, i) => i >= from && r.method === 'POST' && r.path === '/api/v1' + path)

/** Book through the page: hall → (item) → the first bookable day from `skip` on → the first time with places. */
async function pickSlot(page, { service, skipDays = 0 } = {}) {
  if (page.instance.data.step === 'hall') {
    await waitForText(page, '选择大厅')
    await tap(page, '#hall-2') // the county hall: every 需预约 item can be booked there (backend/appointments/demo.py)
  }
  if (!service) {
    await waitForText(page, '这个大厅可以预约的事项')
    service = page.instance.data.services[0].code
    await tap(page, `#service-${service}`)
  }
  await waitFor(() => page.instance.data.step === 'day' && page.instance.data.state === 'ready', 'the days')
  const open = page.instance.data.days.filter((d) => d.bookable)
  expect(open.length).toBeGreaterThan(skipDays)
  // Days that cannot be booked say why (休息日, 节假日 …).
  for (const d of page.instance.data.days.filter((x) => !x.bookable)) expect(d.reason).not.toBe('')
  const day = open[skipDays]
  await tap(page, `#day-${day.date}`)
  await waitFor(() => page.instance.data.step === 'slot' && page.instance.data.state === 'ready', 'the times')
  const slot = page.instance.data.slots.find((s) => s.remaining > 0)
  expect(text(page)).toContain(`余 ${slot.remaining}`)
  await tap(page, `#slot-${slot.start}`)
  expect(page.instance.data.chosen.start).toBe(slot.start)
  return { service: page.instance.data.service, date: day.date, slot }
}

/** The QR drawn on the appointment page as pixels (8 per module, white quiet zone of 4), read back with jsQR. */
function decodeQr(page) {
  const n = page.querySelectorAll('.qr-row').length
  const cells = page.querySelectorAll('.qr-cell').map((cell) => cell.dom.className.includes('qr-dark'))
  expect(n).toBeGreaterThanOrEqual(21) // version 1 at least
  expect(cells.length).toBe(n * n) // square, row by row in document order
  const grid = Array.from({ length: n }, (_, r) => cells.slice(r * n, (r + 1) * n))
  expect(grid.flat().filter(Boolean).length).toBeGreaterThan(50)
  const scale = 8
  const size = (grid.length + 8) * scale
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255)
  grid.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (!dark) return
      for (let y = 0; y < scale; y++)
        for (let x = 0; x < scale; x++) {
          const at = (((r + 4) * scale + y) * size + (c + 4) * scale + x) * 4
          pixels[at] = pixels[at + 1] = pixels[at + 2] = 0
        }
    }),
  )
  const found = jsQR(pixels, size, size)
  return found && found.data
}

let booked // { id, code, date, start, service }

test('我的预约 before 实名认证 says to verify first; once verified it is empty and says how to book', async () => {
  await http.login(await acceptance('terms', 'privacy'))
  const before = await openPage('/pages/appointments/appointments')
  await waitForText(before, '预约需要先完成实名认证')
  await tap(before, '#appointments-verify')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/identity/identity?next=%2Fpages%2Fappointments%2Fappointments' })

  await api.bindIdentity('赵预约', idNumber(), await acceptance('id_number'))
  const page = await openPage('/pages/appointments/appointments')
  await waitForText(page, '您还没有预约')
  expect(text(page)).toContain('预约办事')
  expect(text(page)).toContain('预约须知') // the published no-show rule
  await tap(page, '#appointments-new')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/appointments/appointments?book=1' })
})

test('预约办事: hall, item, day, time; 确认预约 asks for the notice in the tap, then books; the page shows the QR', async () => {
  const page = await openPage('/pages/appointments/appointments?book=1')
  const { service, date, slot } = await pickSlot(page)
  const from = device.requests.length
  asked.length = 0
  await tap(page, '#booking-confirm')
  await waitFor(() => lastNavigation() && lastNavigation().kind === 'redirectTo', 'the appointment page')
  expect(asked).toEqual([[TEMPLATE]])
  // The answer went to the credits endpoint before the booking (hold, then confirm).
  const reported = requestIndex('/me/wechat-subscriptions', from)
  const held = requestIndex('/appointments', from)
  expect(reported).toBeGreaterThanOrEqual(0)
  expect(held).toBeGreaterThan(reported)
  expect(device.requests.slice(held).some((r) => /\/appointments\/\d+\/confirm$/.test(r.path))).toBe(true)
  expect(device.toasts).toContain('预约成功')

  const id = Number(lastNavigation().url.match(/^\/pages\/appointment\/appointment\?id=(\d+)$/)[1])
  const a = await api.appointment(id)
  expect([a.status, a.date, a.start, a.service_code, a.hall.code]).toEqual(['booked', date, slot.start, service, '2'])
  booked = { id, code: a.code, date, start: slot.start, service }

  const detail = await openPage(lastNavigation().url)
  await waitForText(detail, '到大厅后请出示这个二维码')
  expect(text(detail)).toContain(a.status_label)
  expect(text(detail)).toContain(a.service_name)
  expect(detail.instance.data.qrText).toBe(a.code)
  expect(decodeQr(detail)).toBe(a.code) // what the hall's scanner reads: the same code as the backend's qr.svg
  expect(text(detail).replace(/\s/g, '')).toContain(a.code)
})

test('我的预约 lists it with the server\'s status label; a tap opens its page', async () => {
  const page = await openPage('/pages/appointments/appointments')
  await waitForText(page, '待办的预约')
  const a = await api.appointment(booked.id)
  const shown = page.instance.data.upcoming.find((x) => x.id === booked.id)
  expect(shown.tag).toBe(a.status_label)
  expect(text(page)).toContain(a.status_label)
  expect(text(page)).toContain(a.service_name)
  await tap(page, `#appointment-${booked.id}`)
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/appointment/appointment?id=${booked.id}` })
})

test('without signal (at the hall) 我的预约 and the appointment show what was last seen, QR included, and no buttons', async () => {
  const list = await openPage('/pages/appointments/appointments')
  await waitForText(list, '待办的预约')
  const detail = await openPage(`/pages/appointment/appointment?id=${booked.id}`)
  await waitForText(detail, '到大厅后请出示这个二维码')

  device.offline = true
  try {
    const offlineList = await openPage('/pages/appointments/appointments')
    await waitForText(offlineList, /网络连接不上，下面是 今天 \d\d:\d\d 的预约情况/)
    expect(offlineList.instance.data.upcoming.map((x) => x.id)).toContain(booked.id)
    expect(offlineList.querySelector('#appointments-new')).toBeFalsy() // booking needs the server
    const offline = await openPage(`/pages/appointment/appointment?id=${booked.id}`)
    await waitForText(offline, /网络连接不上，下面是 今天 \d\d:\d\d 的预约情况/)
    expect(decodeQr(offline)).toBe(booked.code) // the hall's scanner still reads it
    expect(offline.querySelector('#appointment-cancel')).toBeFalsy()
    expect(offline.querySelector('#appointment-reschedule')).toBeFalsy()
    await tap(offline, '#appointment-offline-retry') // still no signal: still the copy
    expect(offline.instance.data.asOf).not.toBe('')

    device.offline = false
    await tap(offline, '#appointment-offline-retry')
    await waitFor(() => offline.instance.data.asOf === '', 'the live appointment again')
    expect(offline.querySelector('#appointment-offline')).toBeFalsy()
    await waitForText(offline, '取消预约')
  } finally {
    device.offline = false
  }
  // An appointment never seen on this phone has no copy: offline it says what failed, with 重试.
  device.offline = true
  try {
    const unseen = await openPage('/pages/appointment/appointment?id=999999')
    await waitFor(() => unseen.instance.data.state === 'failed', 'the failure')
    expect(unseen.querySelector('#appointment-failed')).toBeTruthy()
  } finally {
    device.offline = false
  }
})

test('改约 moves it to another day after a question; a refused notice does not stop a booking', async () => {
  const detail = await openPage(`/pages/appointment/appointment?id=${booked.id}`)
  await waitForText(detail, '改约（换时间）')
  await tap(detail, '#appointment-reschedule')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/appointments/appointments?reschedule=${booked.id}` })

  const page = await openPage(lastNavigation().url)
  await waitForText(page, '原预约时间')
  const { date, slot } = await pickSlot(page, { service: booked.service, skipDays: 1 })
  const modals = device.modals.length
  asked.length = 0
  await tap(page, '#booking-confirm')
  await waitFor(() => lastNavigation().kind === 'redirectTo', 'the moved appointment')
  expect(device.modals[modals].content).toContain(`${slot.start}–${slot.end}`)
  expect(asked).toEqual([]) // moving sends its own notice on the credit left; no new dialog
  const moved = await api.appointment(booked.id)
  expect([moved.status, moved.date, moved.start]).toEqual(['booked', date, slot.start])
  expect(date).not.toBe(booked.date)
  // The consent given in the booking tap pays for this notice: it reaches WeChat and opens the appointment.
  const page_ = `pages/index/index?path=${encodeURIComponent(`/appointments/${booked.id}`)}`
  const deadline = Date.now() + 15000
  let sent = []
  for (;;) {
    const res = await httpRequest(`${process.env.WECHAT_URL}/_fake/subscribe-messages?touser=${device.openid}`)
    sent = JSON.parse(res.body).filter((m) => m.template_id === TEMPLATE)
    if (sent.length || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 200))
  }
  expect(sent.map((m) => m.page)).toEqual([page_])

  // A second booking with the notice refused: booked all the same, the refusal reported.
  device.subscribeAnswers[TEMPLATE] = 'reject'
  const again = await openPage(`/pages/appointments/appointments?book=1&service=${booked.service}&hall=2`)
  await pickSlot(again, { service: booked.service, skipDays: 2 })
  const from = device.requests.length
  await tap(again, '#booking-confirm')
  await waitFor(() => lastNavigation().kind === 'redirectTo' && lastNavigation().url !== `/pages/appointment/appointment?id=${booked.id}`, 'the second booking')
  expect(requestIndex('/me/wechat-subscriptions', from)).toBeGreaterThanOrEqual(0)
  const second = Number(lastNavigation().url.split('=')[1])
  expect((await api.appointment(second)).status).toBe('booked')
  delete device.subscribeAnswers[TEMPLATE]
})

test('取消预约 asks first, then cancels; the page shows the server\'s new status and no QR', async () => {
  const page = await openPage(`/pages/appointment/appointment?id=${booked.id}`)
  await waitForText(page, '取消预约')
  const modals = device.modals.length
  await tap(page, '#appointment-cancel')
  await waitFor(() => page.instance.data.item.status === 'cancelled', 'cancelled')
  expect(device.modals[modals]).toEqual({ title: '取消这个预约？', content: '取消后名额会让给别人，想再办需要重新预约。' })
  expect(device.toasts).toContain('已取消预约')
  const a = await api.appointment(booked.id)
  expect(a.status).toBe('cancelled')
  expect(text(page)).toContain(a.status_label)
  expect(page.querySelector('#appointment-pass')).toBeFalsy()
  expect(page.querySelector('#appointment-cancel')).toBeFalsy()

  const list = await openPage('/pages/appointments/appointments')
  await waitForText(list, '历史预约')
  expect(list.instance.data.past.find((x) => x.id === booked.id).tag).toBe(a.status_label)
})

test('a time taken by others meanwhile: the Chinese message, the times listed again with it 已满', async () => {
  const page = await openPage(`/pages/appointments/appointments?book=1&service=${booked.service}&hall=2`)
  const { date, slot } = await pickSlot(page, { service: booked.service, skipDays: 3 })
  // While the resident looks, others take every place left of that time.
  for (let i = 0; i < slot.remaining; i++) {
    const other = await otherResident()
    const res = await other.hold({ hall_code: '2', service_code: booked.service, date, start: slot.start })
    expect([res.status, res.body]).toEqual([201, expect.any(String)])
  }
  const navigations = device.navigations.length
  await tap(page, '#booking-confirm')
  await waitForText(page, '这个时段刚被约满了，请换一个时段')
  expect(device.toasts).toContain('这个时段刚被约满了，请换一个时段')
  await waitFor(() => page.instance.data.state === 'ready' && page.instance.data.slots.find((s) => s.start === slot.start).full, 'the times again')
  expect(page.querySelector(`#slot-${slot.start}`).dom.textContent).toContain('已满')
  expect(page.instance.data.chosen).toBeNull()
  expect(device.navigations.length).toBe(navigations) // stays on the picker

  // Tapping the full time says so, and 确认预约 stays off.
  await tap(page, `#slot-${slot.start}`)
  expect(device.toasts[device.toasts.length - 1]).toBe('这个时段已约满，请换一个时段')
  expect(page.instance.data.chosen).toBeNull()
})

test('办事指南 of an item handled at the hall offers 预约办理, which opens booking with the item chosen', async () => {
  const code = '000110005000' // 以现场办理为主, appointment_needed in the demo catalog
  const guide = await openPage(`/pages/guide/guide?code=${code}`)
  await waitFor(() => guide.instance.data.guide, 'the guide')
  expect(text(guide)).toContain('先预约时间')
  await tap(guide, '#guide-book')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/appointments/appointments?book=1&service=${code}` })
  const booking = await openPage(lastNavigation().url)
  await waitFor(() => booking.instance.data.service === code, 'the item chosen on the booking page')
})
