import { phoneBrowser } from './harness.mjs'
const BASE = process.env.BASE
const now = Date.now()
const hall = { code: '1', name: '蒲亭镇便民服务中心', address: '江西省九江市德安县蒲亭镇人民政府一楼', district: '德安县', township: '蒲亭镇', hours: '周一至周五 8:30-12:00 14:00-17:30', phone: '0792-4331234', latitude: 29.3, longitude: 115.7, distance_m: 1234, bookable: true }
const hall2 = { ...hall, code: '2', name: '德安县政务服务中心', distance_m: 3800, address: '江西省九江市德安县蒲亭镇 县政务服务中心一楼综合受理窗口' }
const appt = { id: 7, code: 'K7M2Q9XHPR', status: 'booked', status_label: '已预约', hall: { code: '1', name: hall.name, address: hall.address, phone: hall.phone, hours: hall.hours }, service_code: '000110005000', service_name: '结婚登记预约', date: '2026-11-30', start: '09:00', end: '09:30', hold_until: null, can_cancel: true, can_reschedule: true, application_id: 3, ticket: null, timeline: [{ at: new Date(now - 60000).toISOString(), text: '已确认预约' }] }
const ticketed = { ...appt, id: 8, status: 'checked_in', status_label: '已签到', ticket: { id: 1, label: 'A023', status: 'waiting', status_label: '等候中', ahead: 3, estimated_wait_minutes: 12, window: '' } }
const days = Array.from({ length: 10 }, (_, i) => { const d = new Date(2026, 10, 27 + i); const iso = d.toLocaleDateString('sv-SE'); const wd = d.getDay(); return { date: iso, bookable: wd !== 0 && wd !== 6 && i !== 3, full: i === 3, reason: wd === 0 || wd === 6 ? '休息日' : i === 3 ? '已约满' : '' } })
const mocks = {
  '/api/v1/halls': { items: [hall, hall2] },
  '/api/v1/halls/1': { ...hall, groups: [{ id: 1, name: '综合窗口', items: [] }], services: [{ code: '000110005000', name: '结婚登记预约' }, { code: '000109004000', name: '就业登记与失业登记' }] },
  '/api/v1/halls/2': { ...hall2, groups: [], services: [] },
  '/api/v1/halls/1/days': { days },
  '/api/v1/halls/1/slots': { date: '2026-11-30', group_id: 1, full: false, waiting: { open: true, length: 0 }, slots: ['08:30','09:00','09:30','10:00','10:30','11:00','11:30','14:00','14:30','15:00'].map((s, i) => ({ start: s, end: s.replace(/:(\d\d)/, (m, mm) => mm === '00' ? ':30' : ':00').replace(/^(\d\d)(?=:00)/, (h) => mm(h, s)), capacity: 4, remaining: i % 4 })) },
  '/api/v1/appointments': { items: [appt, ticketed, { ...appt, id: 9, status: 'cancelled', status_label: '已取消', can_cancel: false }], waiting: [{ id: 1, status: 'waiting', status_label: '候补中', position: 2, date: '2026-12-01', hall, service_name: '结婚登记预约', offer: null }], suspension: null },
  '/api/v1/appointments/7': appt,
  '/api/v1/appointments/8': ticketed,
  '/api/v1/services/000110005000': { name: '结婚登记预约' },
  '/api/v1/halls/1/board': { hall_code: '1', hall_name: hall.name, date: '2026-11-27', called: [{ label: 'A023', window: '1号窗口', at: '09:05', current: true }, { label: 'A022', window: '2号窗口', at: '09:01', current: false }, { label: 'B004', window: '3号窗口', at: '08:58', current: false }], groups: [{ id: 1, name: '综合窗口', windows: 2, waiting: 7, estimated_wait_minutes: 18 }, { id: 2, name: '婚姻登记窗口', windows: 1, waiting: 0, estimated_wait_minutes: 0 }] },
  '/api/v1/staff/me': { roles: [{ role: 'staff', scope: 'hall:1' }] },
  '/api/v1/staff/halls/1/queue': { hall_code: '1', hall_name: hall.name, date: '2026-11-27', groups: [{ id: 1, name: '综合窗口', windows: ['1号窗口', '2号窗口'], waiting: [{ id: 5, label: 'A024', status: 'waiting', status_label: '等候中', kind: 'appointment', service_code: '000110005000', group_id: 1, calls: 0, can_mark_absent: false, window: '' }], called: [{ id: 4, label: 'A023', status: 'called', status_label: '已叫号', kind: 'walk_in', service_code: '000109004000', group_id: 1, calls: 1, can_mark_absent: false, window: '1号窗口', application_id: 3 }], served: 3, absent: 0, average_service_seconds: 300, estimated_wait_minutes: 5 }, { id: 2, name: '婚姻登记窗口', windows: ['3号窗口'], waiting: [], called: [], served: 0, absent: 0, average_service_seconds: 300, estimated_wait_minutes: 0 }] },
}
function mm(h, s) { return s.endsWith(':30') ? String(Number(h) + 1).padStart(2, '0') : h }
const b = await phoneBrowser()
const { page, context } = b
await context.route('**/api/v1/**', (route) => {
  const url = new URL(route.request().url())
  if (url.pathname.endsWith('/stream')) return route.fulfill({ status: 204 })
  if (url.pathname === '/api/v1/auth/me') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ person_id: 1, verified: true, channels: ['phone'], consent_required: [], name: '周', roles: [] }) })
  const body = mocks[url.pathname]
  if (body) return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) })
  return route.fulfill({ status: 404, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'nf', status: 404, code: 'x.nf', detail: '没有' }) })
})
const shots = [
  ['list', '/appointments', 'appointments-upcoming'], ['halls', '/appointments/new?service=000110005000', 'appointment-halls'],
  ['days', '/appointments/new?service=000110005000&hall=1', 'appointment-days'], ['slots', '/appointments/new?service=000110005000&hall=1&date=2026-11-30', 'appointment-slots'],
  ['detail', '/appointments/7', 'appointment-pass'], ['ticket', '/appointments/8', 'appointment-ticket'], ['desk', '/staff/hall', 'hall-checkin'], ['board', '/board/1', 'board-groups'],
]
for (const large of [false, true]) {
  await page.goto(BASE + '/')
  await page.evaluate((on) => localStorage.setItem('yiwang.largeText', on ? '1' : '0'), large)
  for (const [name, path, ready] of shots) {
    await page.goto(BASE + path)
    try { await page.getByTestId(ready).waitFor({ timeout: 5000 }) } catch (e) { console.log('not ready', name) }
    await page.waitForTimeout(300)
    await page.screenshot({ path: `/tmp/pwashots/${name}${large ? '-L' : ''}.png`, fullPage: true })
  }
}
await b.close()
