// 适老化 and accessibility over every screen of every role, in normal and large-text mode:
// (a) axe-core with the WCAG 2.2 AA tags reports no violation, (b) every control is at least
// 44×44 px: its box (getBoundingClientRect), probed with elementFromPoint from its centre 22 px
// each way, so that padding or an ::after hit area counts and clipping or covering does not, (c) no text
// spills out of a tag or button. Prints one line per screen with the three counts, the details
// of each finding, and totals per mode.
// Env: BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, VISITOR_PHONE and VISITOR_PHONE_LARGE (an
// anonymous visitor asks for a code, once per mode), STAFF_PHONE + STAFF_PASSWORD (a clerk), ADMIN_PHONE + ADMIN_PASSWORD (optional: an
// administrator), WORKER_PHONE + WORKER_PASSWORD + VILLAGER_ID + VILLAGER_PHONE (optional: a township worker, who registers that villager), COURIER_PHONE + COURIER_PASSWORD (optional: a courier of the demo station, which has the demo
// parcel out for delivery), PHOTO_PATH (a JPEG), SERVICE_CODE (optional, default 营业执照 000105001000),
// APPOINTMENT_SERVICE (optional: a 需预约 item that hall 1 takes, default 结婚登记预约 000110005000).
// Add a screen: append to the list of its role below (path, the test id it shows when ready, and
// optionally what to do before measuring, e.g. open a sheet).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { assert, checklist, clerkSignsIn, courierSignsIn, phoneBrowser, residentSignsIn } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, VISITOR_PHONE, VISITOR_PHONE_LARGE, STAFF_PHONE, STAFF_PASSWORD, PHOTO_PATH } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !RESIDENT_PHONE || !VISITOR_PHONE || !VISITOR_PHONE_LARGE || !STAFF_PHONE || !STAFF_PASSWORD || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, VISITOR_PHONE(_LARGE), STAFF_PHONE, STAFF_PASSWORD and PHOTO_PATH are required')
  process.exit(2)
}
const SERVICE = env.SERVICE_CODE || '000105001000'
const APPT_SERVICE = env.APPOINTMENT_SERVICE || '000110005000'
const HALL = '1'
const MIN = 44
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const MODES = ['normal', 'large']
const { check, finish } = checklist('a11y')
const totals = Object.fromEntries(MODES.map((m) => [m, { screens: 0, violations: 0, nodes: 0, small: 0, overflow: 0, rules: {} }]))

/** A phone browser with axe-core in every document (an init script is not subject to the page's CSP). */
async function browser() {
  const b = await phoneBrowser()
  await b.context.addInitScript({ content: AXE })
  return b
}

async function setMode(page, mode) {
  // largeText.ts reads this key before the first paint; the screens are then loaded afresh.
  await page.evaluate((on) => localStorage.setItem('yiwang.largeText', on ? '1' : '0'), mode === 'large')
}

/** Wait until nothing moves (finite animations and transitions done, no button busy; list spinners may go on). */
async function settle(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() =>
    !document.querySelector('.van-button--loading') &&
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  )
}

/** (b) and (c), measured in the page. */
function measure(min) {
  const CONTROLS = [
    'button', 'a[href]', 'input:not([type=hidden])', 'textarea', 'select', 'summary',
    '[role=button]', '[role=link]', '[role=switch]', '[role=tab]', '[role=checkbox]', '[role=radio]', '[role=menuitem]',
    '[role=option]', '[tabindex]:not([tabindex="-1"])', '[onclick]',
    '.van-switch', '.van-tabbar-item', '.van-cell--clickable', '.van-grid-item__content--clickable', '.van-icon[role]',
    '.van-uploader__input', '.van-nav-bar__left', '.van-nav-bar__right', '.van-action-sheet__item', '.van-action-sheet__cancel',
    '.van-dialog__confirm', '.van-dialog__cancel', '.van-field__clear', '.van-picker__confirm', '.van-picker__cancel',
  ].join(',')
  const name = (el) => {
    const cls = [...el.classList].filter((c) => !c.includes('--')).slice(0, 2).join('.')
    const id = el.getAttribute('data-testid') || el.closest('[data-testid]')?.getAttribute('data-testid') || ''
    const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || '').trim().replace(/\s+/g, ' ').slice(0, 16)
    return `${el.tagName.toLowerCase()}${cls ? '.' + cls : ''}${id ? `[${id}]` : ''}${text ? ` "${text}"` : ''}`
  }
  const visible = (el) => el.checkVisibility({ visibilityProperty: true }) && !el.closest('[aria-hidden="true"], [inert]')
  const modal = '.van-overlay, .van-popup, .van-toast'
  // What a finger at (x, y) activates: the control itself, something inside it, or its <label>.
  const hits = (el, x, y) => {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false
    const t = document.elementFromPoint(x, y)
    return !!t && (t === el || el.contains(t) || t.closest('label')?.control === el)
  }
  const reach = (el, cx, cy, dx, dy) => {
    let d = 0
    while (d < min / 2 && hits(el, cx + dx * (d + 1), cy + dy * (d + 1))) d++
    return d
  }
  const small = []
  for (const el of document.querySelectorAll(CONTROLS)) {
    if (el.matches(modal) || el.matches(':disabled')) continue
    // A file input is transparent on purpose (the button under it shows); it is still the target.
    if (!visible(el) && !(el.matches('input[type=file]') && el.getBoundingClientRect().width > 0)) continue
    el.scrollIntoView({ block: 'center', inline: 'nearest' })
    const r = el.getBoundingClientRect()
    if (r.width === 0 && r.height === 0) continue
    const cx = r.left + r.width / 2
    const cy = r.top + r.height / 2
    if (!hits(el, cx, cy)) {
      // Under something else: a modal sheet/dialog/toast above the page, or a control laid over it
      // (e.g. the transparent file input over the 拍照 button), which is measured itself.
      const top = document.elementFromPoint(cx, cy)
      if (top && ((top.closest(modal) && !el.closest(modal)) || top.closest(CONTROLS))) continue
      small.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}, covered by ${top ? name(top) : 'nothing'}`)
      continue
    }
    const ways = [[-1, 0], [1, 0], [0, -1], [0, 1]].map(([dx, dy]) => [dx, dy, reach(el, cx, cy, dx, dy)])
    const w = ways[0][2] + ways[1][2] + 1
    const h = ways[2][2] + ways[3][2] + 1
    if (w < min || h < min) {
      // Say what a finger meets first where the area ends short (outside the box, or something on top).
      const [dx, dy, d] = ways.find(([, , d]) => d < min / 2 - 1) ?? ways[0]
      const [x, y] = [cx + dx * (d + 1), cy + dy * (d + 1)]
      const edge = x < 0 || y < 0 || x >= innerWidth || y >= innerHeight ? 'the screen edge' : name(document.elementFromPoint(x, y) ?? document.body)
      small.push(`${name(el)} box ${Math.round(r.width)}×${Math.round(r.height)}, hit area ${w}×${h} (then ${edge})`)
    }
  }
  window.scrollTo(0, 0)
  const overflow = []
  for (const el of document.querySelectorAll('.van-tag, .van-button, .van-button__content, .van-badge, .van-tabbar-item, button')) {
    if (!visible(el)) continue
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      overflow.push(`${name(el)} content ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`)
      continue
    }
    // …nor is a tag or badge cut off by a box around it that hides what spills (e.g. a cell's value).
    if (!el.matches('.van-tag, .van-badge')) continue
    const r = el.getBoundingClientRect()
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const s = getComputedStyle(box)
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue
      const b = box.getBoundingClientRect()
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
        overflow.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)} cut off by ${name(box)}`)
      }
      break
    }
  }
  return { small: [...new Set(small)], overflow }
}

async function audit(page, role, mode, screen) {
  const label = `[${mode}] ${role} ${screen.name}`
  await check(label, page, async () => {
    await page.goto(BASE_URL + (typeof screen.path === 'function' ? screen.path() : screen.path), { waitUntil: 'networkidle' })
    await page.getByTestId(typeof screen.ready === 'function' ? screen.ready() : screen.ready).first().waitFor()
    const large = await page.evaluate(() => document.documentElement.classList.contains('large-text'))
    if (large !== (mode === 'large')) throw new Error(`large-text mode is ${large ? 'on' : 'off'}, expected ${mode}`)
    if (screen.before) await screen.before(page, mode)
    await settle(page)
    const axe = await page.evaluate(
      async (tags) => (await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })).violations
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: (n.failureSummary || '').split('\n').slice(0, 2).join(' ') })) })),
      TAGS,
    )
    const { small, overflow } = await page.evaluate(measure, MIN)
    const nodes = axe.reduce((n, v) => n + v.nodes.length, 0)
    const t = totals[mode]
    t.screens++
    t.violations += axe.length
    t.nodes += nodes
    t.small += small.length
    t.overflow += overflow.length
    for (const v of axe) t.rules[v.id] = (t.rules[v.id] || 0) + v.nodes.length
    console.log(`# ${label}: axe ${axe.length} violations (${nodes} nodes), ${small.length} controls under ${MIN}px, ${overflow.length} overflowing`)
    for (const v of axe) {
      console.log(`#   axe ${v.id} (${v.impact}): ${v.help}`)
      for (const n of v.nodes.slice(0, 8)) console.log(`#     ${n.target} — ${n.summary}`)
      if (v.nodes.length > 8) console.log(`#     … ${v.nodes.length - 8} more`)
    }
    for (const s of small) console.log(`#   small ${s}`)
    for (const o of overflow) console.log(`#   overflow ${o}`)
    if (axe.length || small.length || overflow.length) {
      throw new Error(`${axe.length} axe violations, ${small.length} controls under ${MIN}px, ${overflow.length} overflowing`)
    }
  })
}

async function auditAll(page, role, screens) {
  for (const mode of MODES) {
    await setMode(page, mode)
    // A11Y_ONLY=<part of a screen's name> audits only those screens (while mending one; the suite audits all).
    for (const screen of screens.filter((x) => !env.A11Y_ONLY || x.name.includes(env.A11Y_ONLY))) await audit(page, role, mode, screen)
  }
}

/** A submitted application (every field filled, the photo for every required material) and a draft, over the API. */
async function makeCases(page) {
  const photo = readFileSync(PHOTO_PATH).toString('base64')
  return page.evaluate(async ({ code, photo, phone }) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const base = { Accept: 'application/json', 'Accept-Language': 'zh-CN', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) }
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
    const prefill = (await call('GET', `/services/${code}/prefill`)).values || {}
    const sample = { text: '示例', textarea: '示例内容', number: '1', date: '2026-01-01', phone, address: '浙江省杭州市西湖区文三路100号' }
    const form = {}
    for (const f of guide.form_schema) form[f.key] = prefill[f.key] ?? (f.type === 'select' ? f.options[0] : sample[f.type] ?? '示例')
    const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))
    const submitted = await call('POST', '/applications', { service_code: code, form })
    for (const m of guide.materials.filter((x) => x.required && !x.condition)) {
      const data = new FormData()
      data.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg')
      data.append('kind', m.key)
      const material = await call('POST', '/materials', data)
      await call('PUT', `/applications/${submitted.id}/materials/${m.key}`, { material_id: material.id })
    }
    const done = await call('POST', `/applications/${submitted.id}/submit`, undefined, { 'Idempotency-Key': crypto.getRandomValues(new Uint32Array(4)).join('-') })
    const draft = await call('POST', '/applications', { service_code: code, form: {} })
    return { submitted: done.id, trackingNo: done.tracking_no, draft: draft.id }
  }, { code: SERVICE, photo, phone: RESIDENT_PHONE })
}

/** A booked appointment at hall 1 on its first bookable day, over the API (the journey books through the screens). */
async function makeAppointment(page) {
  return page.evaluate(async ({ service, hall }) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const call = async (method, url, body, headers = {}) => {
      const r = await fetch('/api/v1' + url, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const answer = await r.json().catch(() => null)
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(answer)}`)
      return answer
    }
    const { days } = await call('GET', `/halls/${hall}/days?service=${service}`)
    const open = days.filter((d) => d.bookable && !d.full)
    for (const d of open) {
      const { slots } = await call('GET', `/halls/${hall}/slots?date=${d.date}&service=${service}`)
      const s = slots.find((x) => x.remaining > 0)
      if (!s) continue
      const held = await call('POST', '/appointments', { hall_code: hall, service_code: service, date: d.date, start: s.start },
        { 'Idempotency-Key': crypto.getRandomValues(new Uint32Array(4)).join('-') })
      await call('POST', `/appointments/${held.id}/confirm`)
      return { appointment: held.id, day: d.date, otherDay: open.find((x) => x.date !== d.date)?.date ?? '' }
    }
    throw new Error('no bookable slot at hall ' + hall)
  }, { service: APPT_SERVICE, hall: HALL })
}

/** Give back places this resident holds unconfirmed (the hold screen of the other text size holds one). */
async function releaseHolds(page) {
  await page.evaluate(async () => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const mine = await (await fetch('/api/v1/appointments', { headers: { Accept: 'application/json' } })).json()
    for (const a of mine.items.filter((x) => x.status === 'held')) {
      await fetch(`/api/v1/appointments/${a.id}/cancel`, { method: 'POST', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } })
    }
  })
}

const ids = { submitted: 0, draft: 0, trackingNo: '', appointment: 0, day: '', otherDay: '' }
const common = [
  { name: 'home', path: '/', ready: 'health-status' },
  { name: 'services', path: '/services', ready: 'services-page' },
  { name: 'services search', path: '/services?q=yyzz', ready: `service-${SERVICE}` },
  { name: 'guide', path: `/services/${SERVICE}`, ready: 'guide-page' },
  { name: 'appointments', path: '/appointments', ready: 'appointments-page' },
  { name: 'appointment: halls', path: `/appointments/new?service=${APPT_SERVICE}`, ready: 'appointment-halls' },
  { name: 'progress', path: '/progress', ready: 'progress-page' },
  { name: 'me', path: '/me', ready: 'me-page' },
]
const residentScreens = [
  ...common,
  { name: 'apply (draft)', path: () => `/apply/${ids.draft}`, ready: 'apply-page' },
  {
    name: 'apply, material library sheet', path: () => `/apply/${ids.draft}`, ready: 'apply-page',
    before: async (page) => {
      await page.getByRole('button', { name: '材料库' }).first().click()
      await page.locator('.van-action-sheet').waitFor()
    },
  },
  { name: 'case (submitted)', path: () => `/cases/${ids.submitted}`, ready: 'case-status' },
  { name: 'delivery request (邮寄)', path: () => `/cases/${ids.submitted}/delivery`, ready: 'delivery-submit' },
  {
    name: 'delivery request, 地区 picker', path: () => `/cases/${ids.submitted}/delivery`, ready: 'delivery-region',
    before: async (page) => {
      await page.getByTestId('delivery-region').click()
      await page.locator('.van-cascader__option').first().waitFor()
    },
  },
  {
    name: 'delivery request, proxy named, errors shown', path: () => `/cases/${ids.submitted}/delivery`, ready: 'delivery-submit',
    before: async (page) => {
      await page.getByTestId('delivery-allow-proxy').click()
      await page.getByTestId('delivery-proxy-name').waitFor()
      await page.getByTestId('delivery-submit').click()
      await page.locator('.van-field__error-message').first().waitFor()
    },
  },
  { name: 'appointment: days', path: `/appointments/new?service=${APPT_SERVICE}&hall=${HALL}`, ready: 'appointment-days' },
  { name: 'appointment: slots', path: () => `/appointments/new?service=${APPT_SERVICE}&hall=${HALL}&date=${ids.otherDay || ids.day}`, ready: 'appointment-slots' },
  {
    name: 'appointment: hold with countdown', path: () => `/appointments/new?service=${APPT_SERVICE}&hall=${HALL}&date=${ids.otherDay}`, ready: 'appointment-slots',
    before: async (page) => {
      await releaseHolds(page)
      await page.locator('[data-testid^="slot-"]:not([disabled])').first().click()
      await page.getByTestId('appointment-confirm').waitFor()
    },
  },
  { name: 'appointment (booked, QR)', path: () => `/appointments/${ids.appointment}`, ready: 'appointment-pass' },
  {
    name: 'appointment, cancel confirmation', path: () => `/appointments/${ids.appointment}`, ready: 'appointment-cancel',
    before: async (page) => {
      await page.getByTestId('appointment-cancel').click()
      await page.locator('.van-dialog').waitFor()
    },
  },
  { name: 'identity', path: '/me/identity', ready: 'identity-page' },
  {
    name: 'identity, 17 digits in (X key)', path: '/me/identity', ready: 'identity-id-number',
    before: async (page) => {
      await page.getByTestId('identity-id-number').locator('input').fill('33010619800101003')
      await page.getByTestId('id-number-x').waitFor()
    },
  },
  { name: 'security', path: '/me/security', ready: 'security-page' },
  { name: 'notification settings', path: '/me/notifications', ready: 'prefs-page' },
  { name: 'inbox', path: '/inbox', ready: 'inbox-page' },
  {
    name: 'inbox, all read (settings icon)', path: '/inbox', ready: 'inbox-page',
    before: async (page) => {
      const readAll = page.getByTestId('inbox-read-all')
      await readAll.or(page.getByTestId('inbox-settings')).first().waitFor()
      if (await readAll.isVisible()) await readAll.click()
      await page.getByTestId('inbox-settings').waitFor()
    },
  },
  {
    name: 'me, sign-out confirmation', path: '/me', ready: 'me-logout',
    before: async (page) => {
      await page.getByTestId('me-logout').click()
      await page.locator('.van-dialog').waitFor()
    },
  },
]
const anonymousScreens = [
  ...common,
  { name: 'login', path: '/login', ready: 'login-page' },
  {
    name: 'login, code sent', path: '/login', ready: 'login-page',
    before: async (page, mode) => {
      await page.getByTestId('login-phone').locator('input').fill(mode === 'large' ? VISITOR_PHONE_LARGE : VISITOR_PHONE)
      await page.getByTestId('login-send').click()
      await page.getByTestId('login-code').waitFor()
    },
  },
  { name: 'staff login', path: '/staff/login', ready: 'staff-login' },
  {
    name: 'track with result', path: () => `/track/${ids.trackingNo}`, ready: 'track-page',
    before: async (page) => {
      await page.getByTestId('track-digits').locator('input').fill(RESIDENT_PHONE.slice(-4))
      await page.getByTestId('track-go').click()
      await page.getByTestId('track-status').waitFor()
    },
  },
  { name: 'certificate check', path: '/verify/NOSUCHCODE', ready: 'verify-page' },
  { name: 'track entry (no QR code)', path: '/track', ready: 'track-number' },
  { name: 'terms of use', path: '/legal/terms', ready: 'legal-document' },
  { name: 'privacy policy', path: '/legal/privacy', ready: 'legal-document' },
  { name: 'ID-number consent', path: '/legal/id_number', ready: 'legal-document' },
  { name: 'hall queue board', path: `/board/${HALL}`, ready: 'board-groups' },
]
const staffScreens = [
  { name: 'queue', path: '/staff', ready: 'staff-queue' },
  { name: 'case (submitted)', path: () => `/staff/cases/${ids.submitted}`, ready: 'staff-status' },
  { name: 'hall desk', path: '/staff/hall', ready: 'hall-desk' },
  { name: 'deliveries in trouble (寄递异常)', path: '/staff/deliveries', ready: 'staff-deliveries' },
]
/** The admin console (role admin): its home, 失败通知 (both lists) and 节假日 (with a refused form). */
const adminScreens = [
  { name: 'admin home (管理后台)', path: '/admin', ready: 'admin-link-calendar' },
  { name: 'failed notifications (失败通知)', path: '/admin/notifications', ready: 'admin-notifications-tabs' },
  {
    name: 'failed notifications, waiting to retry', path: '/admin/notifications', ready: 'admin-notifications-tabs',
    before: async (page) => {
      await page.getByRole('tab', { name: '等待重试' }).click()
      await page.waitForLoadState('networkidle')
    },
  },
  { name: 'halls (大厅与排班)', path: '/admin/halls', ready: 'admin-hall-list' },
  { name: 'hall, weekly schedule and date change', path: `/admin/halls?hall=${HALL}`, ready: 'schedule-form' },
  {
    name: 'hall, a refused date change', path: `/admin/halls?hall=${HALL}`, ready: 'override-form',
    before: async (page) => {
      await page.getByTestId('override-save').click()
      await page.getByTestId('halls-error').waitFor()
    },
  },
  { name: 'catalog (事项管理)', path: '/admin/catalog', ready: 'catalog-list' },
  { name: 'catalog item editor with its versions', path: '/admin/catalog/000105001000', ready: 'catalog-history' },
  {
    name: 'catalog item editor, a refused save', path: '/admin/catalog/000105001000', ready: 'catalog-history',
    before: async (page) => {
      await page.getByTestId('catalog-promised').locator('input').fill('100')
      await page.getByTestId('catalog-save').click()
      await page.getByText('不能长于法定时限', { exact: false }).waitFor()
    },
  },
  { name: 'holidays (节假日)', path: '/admin/calendar', ready: 'calendar-form' },
  {
    name: 'holidays, a refused day', path: '/admin/calendar', ready: 'calendar-form',
    before: async (page) => {
      await page.getByTestId('calendar-date').locator('input').fill('2027-1-1')
      await page.getByTestId('calendar-add').click()
      await page.getByTestId('calendar-error').waitFor()
    },
  },
  { name: 'people and roles (人员与角色)', path: '/admin/people', ready: 'people-find-form' },
  {
    name: 'people and roles, the clerk found (roles, grant form, history)', path: '/admin/people', ready: 'people-find-form',
    before: async (page) => {
      await page.getByTestId('people-phone').locator('input').fill(STAFF_PHONE)
      await page.getByTestId('people-find').click()
      await page.getByTestId('people-grant-form').waitFor()
      await page.waitForLoadState('networkidle')
    },
  },
  {
    name: 'people and roles, a courier picks a 投递站', path: '/admin/people', ready: 'people-find-form',
    before: async (page) => {
      await page.getByTestId('people-phone').locator('input').fill(STAFF_PHONE)
      await page.getByTestId('people-find').click()
      await page.getByTestId('grant-role-courier').click()
      await page.getByTestId('grant-kind-station').click()
      await page.locator('[data-testid^="grant-scope-S"]').first().waitFor()
      await page.waitForLoadState('networkidle')
    },
  },
  { name: 'audit log (审计日志)', path: '/admin/audit', ready: 'audit-search-form' },
  {
    name: 'audit log, a verification and a search by person', path: '/admin/audit', ready: 'audit-search-form',
    before: async (page) => {
      await page.getByTestId('audit-verify-start').click()
      await page.locator('[data-testid^="audit-state-"]:not([data-testid="audit-state-running"])').waitFor({ timeout: 30000 })
      await page.getByTestId('audit-by-person').click()
      await page.getByTestId('audit-person-id').locator('input').fill('1')
      await page.getByTestId('audit-search').click()
      await page.locator('[data-testid="audit-rows"], [data-testid="audit-empty"]').first().waitFor()
    },
  },
  {
    name: 'audit log, a refused search', path: '/admin/audit', ready: 'audit-search-form',
    before: async (page) => {
      await page.getByTestId('audit-by-person').click()
      await page.getByTestId('audit-person-id').locator('input').fill('abc')
      await page.getByTestId('audit-search').click()
      await page.locator('.van-field__error-message').first().waitFor()
    },
  },
]
/** A villager registered by the township worker, with a delegation waiting for its photo and an active one (SMS code), over the API. */
async function makeVillager(page) {
  return page.evaluate(async ({ idNumber, phone }) => {
    const csrf = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('yiwang_csrf='))?.slice('yiwang_csrf='.length)
    const call = async (method, url, body, headers = {}) => {
      const r = await fetch('/api/v1' + url, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const answer = await r.json().catch(() => null)
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(answer)}`)
      return answer
    }
    const villager = await call('POST', '/assist/villagers', { name: '钱大爷', id_number: idNumber, phone })
    const today = new Date().toISOString().slice(0, 10)
    const key = () => ({ 'Idempotency-Key': crypto.getRandomValues(new Uint32Array(4)).join('-') })
    const pending = await call('POST', '/assist/delegations', { person_id: villager.id, errands: ['*'], starts: today, ends: today, evidence: 'photo' }, key())
    return { villager: villager.id, villagerName: villager.name, villagerPhone: villager.phone, pending: pending.id }
  }, { idNumber: env.VILLAGER_ID, phone: env.VILLAGER_PHONE })
}
const assisted = { villager: 0, villagerName: '', villagerPhone: '', pending: 0 }
/** An administrator's 新建授权 names the township (typed, checked beside the field): the worker's villager. */
const adminAssistScreens = [
  {
    name: 'new delegation by an admin, the township refused', path: () => `/assist/villagers/${assisted.villager}/delegations/new`, ready: 'delegation-form',
    before: async (page) => {
      await page.getByTestId('delegation-township').locator('input').fill('3604')
      await page.getByTestId('delegation-create').click()
      await page.locator('[data-testid="delegation-form"] .error[role="alert"]').first().waitFor()
    },
  },
]
/** 帮办代办 (a township worker): home, finding with a refused reason, registering, a villager, a delegation, 代办模式. */
const workerScreens = [
  { name: '帮办代办 home', path: '/assist', ready: 'assist-find-link' },
  {
    name: 'find a villager, no reason given', path: '/assist/find', ready: 'assist-find',
    before: async (page) => {
      await page.getByTestId('assist-find-id').locator('input').fill(env.VILLAGER_ID)
      await page.getByTestId('assist-find-submit').click()
      await page.getByTestId('assist-find-reason').getByRole('alert').waitFor()
    },
  },
  {
    name: 'find a villager, not registered', path: '/assist/find', ready: 'assist-find',
    before: async (page) => {
      await page.getByTestId('assist-find-id').locator('input').fill('360426193805120001') // nobody's
      await page.getByTestId('reason-visit').click()
      await page.getByTestId('assist-find-submit').click()
      await page.getByTestId('assist-not-found').waitFor()
    },
  },
  { name: 'register a villager', path: '/assist/register', ready: 'assist-register' },
  {
    name: 'villager, asked why (opened from a link)', path: () => `/assist/villagers/${assisted.villager}`, ready: 'assist-villager',
    before: async (page) => {
      await page.evaluate(() => sessionStorage.removeItem('yiwang.assist.villager'))
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('assist-ask-reason').waitFor()
    },
  },
  {
    name: 'villager with delegations, reveal asks why', path: () => `/assist/villagers/${assisted.villager}`, ready: 'assist-villager',
    before: async (page) => {
      await page.evaluate((v) => sessionStorage.setItem('yiwang.assist.villager', JSON.stringify(v)),
        { id: assisted.villager, name: assisted.villagerName, id_number: '3604**********0000', phone: assisted.villagerPhone })
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('assist-delegations').waitFor()
      await page.getByTestId('assist-reveal').click()
      await page.getByTestId('assist-reveal-form').waitFor()
    },
  },
  { name: 'new delegation', path: () => `/assist/villagers/${assisted.villager}/delegations/new`, ready: 'delegation-form' },
  {
    name: 'new delegation, chosen errands', path: () => `/assist/villagers/${assisted.villager}/delegations/new`, ready: 'delegation-form',
    before: async (page) => {
      await page.getByTestId('delegation-chosen').click()
      await page.locator('[data-testid^="delegation-errand-"]').first().waitFor()
    },
  },
  { name: 'delegation waiting for the signed form', path: () => `/assist/villagers/${assisted.villager}/delegations/${assisted.pending}`, ready: 'delegation-photo' },
  {
    name: '代办模式 banner on the services list', path: '/services', ready: 'services-page',
    before: async (page) => {
      await page.evaluate((v) => sessionStorage.setItem('yiwang.acting', JSON.stringify(v)),
        { delegationId: assisted.pending, personId: assisted.villager, villager: assisted.villagerName })
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('acting-banner').waitFor()
      await page.evaluate(() => sessionStorage.removeItem('yiwang.acting'))
    },
  },
]
/** A refused confirmation and a waiting one in the courier's 待发送 (IndexedDB), as the outbox keeps them. */
async function seedOutbox(page) {
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('yiwang-courier', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('outbox', { keyPath: 'key' }).createIndex('parcel', 'parcelId')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const tx = open.result.transaction('outbox', 'readwrite')
      const item = { kind: 'deliver', waybill: '1100999999999', address: '江西省九江市德安县蒲亭镇人民路 1 号 3 单元', tries: 1,
        deliver: { pickup_code: '000000', signer_kind: 'self', signer_name: '', relation: '' } }
      tx.objectStore('outbox').put({ ...item, key: 'a11y-refused', parcelId: 999999001, createdAt: 1, state: 'attention', code: 'delivery.wrong_code', message: '签收码不正确，还可以再试 4 次' })
      tx.oncomplete = () => { open.result.close(); resolve() }
      tx.onerror = () => reject(tx.error)
    }
  }))
}
const parcel = { id: 0 }
const courierScreens = [
  { name: "today's parcels (今日派件)", path: '/courier', ready: 'courier-home' },
  {
    name: "today's parcels, 待发送 with a refused item", path: '/courier', ready: 'courier-home',
    before: async (page) => {
      await seedOutbox(page)
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('outbox-problem').waitFor()
    },
  },
  { name: 'parcel (签收)', path: () => (parcel.id ? `/courier/parcels/${parcel.id}` : '/courier'), ready: () => (parcel.id ? 'parcel-confirm' : 'courier-home') },
  {
    name: 'parcel, 投递未成功', path: () => (parcel.id ? `/courier/parcels/${parcel.id}` : '/courier'), ready: () => (parcel.id ? 'parcel-confirm' : 'courier-home'),
    before: async (page) => {
      if (!parcel.id) return
      await page.getByRole('tab', { name: '投递未成功' }).click()
      await page.getByTestId('attempt-submit').waitFor()
    },
  },
]

try {
  const resident = await browser()
  try {
    await check('resident signs in and has a submitted application and a draft', resident.page, async () => {
      await residentSignsIn(resident.page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '赵六', idNumber: '33010619800101003X' })
      Object.assign(ids, await makeCases(resident.page))
      Object.assign(ids, await makeAppointment(resident.page))
    })
    await auditAll(resident.page, 'resident', residentScreens)
    await check('the ID number takes the number pad, digits and X only, at most 18, with an X key after 17 digits', resident.page, async () => {
      const page = resident.page
      await page.goto(BASE_URL + '/me/identity', { waitUntil: 'networkidle' })
      const input = page.getByTestId('identity-id-number').locator('input')
      assert((await input.getAttribute('inputmode')) === 'numeric', `inputmode ${await input.getAttribute('inputmode')}`)
      await input.pressSequentially('3301a06-19800101003x99')
      assert((await input.inputValue()) === '33010619800101003X', `typed: ${await input.inputValue()}`)
      assert(!(await page.getByTestId('id-number-x').isVisible()), 'the X key shows with 18 characters in')
      await input.fill('33010619800101003')
      await page.getByTestId('id-number-x').click()
      assert((await input.inputValue()) === '33010619800101003X', `after the X key: ${await input.inputValue()}`)
    })
  } finally {
    await resident.close()
  }

  const visitor = await browser()
  try {
    await visitor.page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
    await auditAll(visitor.page, 'anonymous', anonymousScreens)
  } finally {
    await visitor.close()
  }

  // The worker before the admin: the admin's 新建授权 is for the villager the worker registers.
  const people = [['clerk', STAFF_PHONE, STAFF_PASSWORD]]
  const withWorker = Boolean(env.WORKER_PHONE && env.WORKER_PASSWORD && env.VILLAGER_ID)
  if (withWorker) people.push(['worker', env.WORKER_PHONE, env.WORKER_PASSWORD])
  if (env.ADMIN_PHONE && env.ADMIN_PASSWORD) people.push(['admin', env.ADMIN_PHONE, env.ADMIN_PASSWORD])
  const screensOf = { clerk: staffScreens, admin: [...staffScreens, ...adminScreens, ...(withWorker ? adminAssistScreens : [])], worker: workerScreens }
  for (const [role, phone, password] of people) {
    const desk = await browser()
    try {
      await check(`${role} signs in`, desk.page, async () => {
        // The password step does scrypt work: on a loaded machine it may take longer than a click usually waits.
        desk.page.setDefaultTimeout(30000)
        await clerkSignsIn(desk.page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone, password, lands: role === 'worker' ? 'assist-home' : 'staff-queue' })
        desk.page.setDefaultTimeout(10000)
        if (role === 'worker') Object.assign(assisted, await makeVillager(desk.page))
      })
      await auditAll(desk.page, role, screensOf[role])
    } finally {
      await desk.close()
    }
  }
  if (env.COURIER_PHONE && env.COURIER_PASSWORD) {
    const round = await browser()
    try {
      await check('courier signs in (lands on 今日派件)', round.page, async () => {
        round.page.setDefaultTimeout(30000)
        await courierSignsIn(round.page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: env.COURIER_PHONE, password: env.COURIER_PASSWORD })
        round.page.setDefaultTimeout(10000)
        const first = round.page.locator('[data-testid^="parcel-open-"]').first()
        if (await first.count()) parcel.id = Number((await first.getAttribute('data-testid')).replace('parcel-open-', ''))
      })
      await auditAll(round.page, 'courier', courierScreens)
    } finally {
      await round.close()
    }
  }
} finally {
  for (const mode of MODES) {
    const t = totals[mode]
    const rules = Object.entries(t.rules).map(([id, n]) => `${id} ${n}`).join(', ')
    console.log(`# total [${mode}]: ${t.screens} screens, ${t.violations} axe violations on ${t.nodes} nodes${rules ? ` (${rules})` : ''}, ` +
      `${t.small} controls under ${MIN}px, ${t.overflow} overflowing`)
  }
}
finish()
