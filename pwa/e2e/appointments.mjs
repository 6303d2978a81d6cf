// Hall appointments (issue 13) through the real stack, in two phone browsers and a board screen:
// a resident opens a 需预约 guide, taps 预约办理, sorts the halls by distance (the location allowed),
// picks a bookable day (the others say why not) and a time with places left, confirms within the
// hold's countdown and gets the QR page (QR, code in big letters, hall); the slot then has one place
// less. A clerk of the hall reads the QR code from a photo (the scan path: BarcodeDetector or jsQR)
// and types the same code (the same ticket again), issues a walk-in ticket, calls the next tickets
// to a window, recalls and serves; the resident's page follows the ticket (place, called to the
// window, served) and the public board shows the call. A second booking is moved to another time
// and cancelled, each after a question. Touch targets stay 44 px and more.
// Env: BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD (staff of hall:1), RESIDENT_PHONE,
// SERVICE_CODE (optional: a 需预约 item that hall 1 takes, default 结婚登记预约).
import { assert, checklist, clerkSignsIn, imageLoads, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD, RESIDENT_PHONE } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !CLERK_PHONE || !CLERK_PASSWORD || !RESIDENT_PHONE) {
  console.error('BASE_URL, SMS_GATEWAY_URL, CLERK_PHONE, CLERK_PASSWORD and RESIDENT_PHONE are required')
  process.exit(2)
}
const SERVICE = process.env.SERVICE_CODE || '000110005000'
const HALL = '1'
const DEAN = { latitude: 29.3276, longitude: 115.7566 } // 德安县 (the demo halls' county)
const { check, finish } = checklist('appointments')

/** Every control a finger uses on the page is at least 44×44 CSS px. */
async function smallTargets(page) {
  return page.evaluate(() => {
    const small = []
    for (const el of document.querySelectorAll('button, a[href], [role="tab"], [role="radio"], .van-cell--clickable, .van-field, .van-nav-bar__left')) {
      const box = el.getBoundingClientRect()
      if (box.width === 0 || box.height === 0) continue // not shown
      if (el.closest('[aria-hidden="true"]')) continue // the face of a control laid under its real one
      if (box.width < 44 || box.height < 44) small.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 12)}" ${Math.round(box.width)}×${Math.round(box.height)}`)
    }
    return small
  })
}

/** The appointment's QR code (qr.svg) drawn as a PNG, as a phone camera would see a printed one. */
async function qrPhoto(page, id) {
  const base64 = await page.evaluate(async (id) => {
    const svg = await (await fetch(`/api/v1/appointments/${id}/qr.svg`)).blob()
    const url = URL.createObjectURL(svg)
    const img = new Image()
    await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = url })
    const canvas = document.createElement('canvas')
    canvas.width = 640
    canvas.height = 800
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    ctx.drawImage(img, 70, 150, 500, 500) // off-centre with a margin, like a photo
    URL.revokeObjectURL(url)
    return canvas.toDataURL('image/png').split(',')[1]
  }, id)
  return Buffer.from(base64, 'base64')
}

const resident = await phoneBrowser()
const clerk = await phoneBrowser()
const screen = await phoneBrowser()
const page = resident.page
const desk = clerk.page
const board = screen.page
let appointmentId = 0
let code = ''
let day = ''
let slot = ''
let left = 0
let label = ''

try {
  await check('the 需预约 guide offers 预约办理, which opens the hall list; the location is asked for only on a tap and sorts by distance', page, async () => {
    await resident.context.grantPermissions(['geolocation'], { origin: BASE_URL })
    await resident.context.setGeolocation(DEAN)
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '周预约', idNumber: '11010519491231002X' })
    await page.goto(`${BASE_URL}/services/${SERVICE}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-book').click()
    await page.getByTestId('appointment-halls').waitFor()
    assert(new URL(page.url()).searchParams.get('service') === SERVICE, `url: ${page.url()}`)
    await page.getByTestId(`hall-${HALL}`).waitFor()
    // Allowed before (granted): sorted at once; otherwise the button asks.
    const locate = page.getByTestId('appointment-locate')
    if (await locate.isVisible()) await locate.click()
    await page.getByTestId('hall-distance').first().waitFor()
    const distance = await page.getByTestId('hall-distance').first().innerText()
    assert(/公里|米/.test(distance), `distance: ${distance}`)
    const small = await smallTargets(page)
    assert(small.length === 0, `small targets on the hall list: ${small}`)
  })

  await check('hall 1 → only bookable days can be picked, the others say why', page, async () => {
    await page.getByTestId(`hall-${HALL}`).click()
    await page.getByTestId('appointment-days').waitFor()
    await page.locator('[data-testid^="day-"]').first().waitFor()
    const days = await page.locator('[data-testid^="day-"]').evaluateAll((els) => els.map((b) => ({ id: b.dataset.testid, disabled: b.disabled, text: b.innerText })))
    const open = days.filter((d) => !d.disabled && !d.text.includes('已约满'))
    assert(open.length > 0, `no bookable day: ${JSON.stringify(days)}`)
    for (const d of days.filter((x) => x.disabled)) assert(d.text.split('\n').length >= 2 && /\S/.test(d.text.split('\n')[1]), `a closed day without a reason: ${d.text}`)
    day = open[0].id.slice(4)
    await page.getByTestId(`day-${day}`).click()
    await page.getByTestId('appointment-slots').waitFor()
    assert(new URL(page.url()).searchParams.get('date') === day, `url: ${page.url()}`)
  })

  await check('the slot grid shows the places left; a tap holds one with a countdown; 确认预约 books it and shows the QR page', page, async () => {
    const first = page.locator('[data-testid^="slot-"]:not([disabled])').first()
    await first.waitFor()
    slot = (await first.getAttribute('data-testid')).slice(5)
    const text = await first.innerText()
    const m = text.match(/余 (\d+)/)
    assert(m, `slot text: ${text}`)
    left = Number(m[1])
    assert((await smallTargets(page)).length === 0, `small targets on the slots: ${await smallTargets(page)}`)
    await first.click()
    await page.getByTestId('appointment-confirm').waitFor()
    const countdown = await page.getByTestId('appointment-countdown').innerText()
    assert(/剩余 \d+:\d\d/.test(countdown), `countdown: ${countdown}`)
    assert((await page.getByTestId('appointment-held-when').innerText()).includes(slot), 'the held time is not the chosen one')
    await page.getByTestId('appointment-confirm-button').click()
    await page.waitForURL(/\/appointments\/\d+$/)
    appointmentId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByTestId('appointment-pass').waitFor()
    assert(await imageLoads(page, '[data-testid="appointment-qr"]'), 'the check-in QR code did not load')
    code = (await page.getByTestId('appointment-code').innerText()).replace(/\s/g, '')
    assert(/^[A-Z0-9]{6,16}$/.test(code), `code: ${code}`)
    assert((await page.getByTestId('appointment-status').innerText()).includes('已预约'), await page.getByTestId('appointment-status').innerText())
    assert((await page.getByTestId('appointment-when').innerText()).includes(slot), await page.getByTestId('appointment-when').innerText())
    assert((await page.getByTestId('appointment-cancel').count()) === 1, 'no 取消预约 on a booking far from its time')
    const small = await smallTargets(page)
    assert(small.length === 0, `small targets on the QR page: ${small}`)
  })

  await check('the slot now has one place less, and 我的预约 lists the booking', page, async () => {
    await page.goto(`${BASE_URL}/appointments/new?service=${SERVICE}&hall=${HALL}&date=${day}`, { waitUntil: 'networkidle' })
    const text = await page.getByTestId(`slot-${slot}`).innerText()
    const now = left - 1
    assert(now > 0 ? text.includes(`余 ${now}`) : text.includes('已满'), `after booking: ${text} (was 余 ${left})`)
    await page.goto(`${BASE_URL}/appointments`, { waitUntil: 'networkidle' })
    const cell = page.getByTestId(`appointment-${appointmentId}`)
    await cell.waitFor()
    assert((await cell.innerText()).includes('已预约'), await cell.innerText())
  })

  await check('the clerk reads the QR code from a photo: the appointment is checked in with a ticket', desk, async () => {
    desk.setDefaultTimeout(30000) // scrypt on the password step
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: CLERK_PHONE, password: CLERK_PASSWORD })
    desk.setDefaultTimeout(10000)
    await desk.getByTestId('staff-hall-link').locator('.van-nav-bar__right').click()
    await desk.getByTestId('hall-desk').waitFor()
    await desk.getByTestId('hall-checkin').waitFor()
    assert((await desk.getByTestId('resident-tabbar').count()) === 0, 'the resident tab bar shows on the hall desk')
    await desk.getByTestId('hall-scan-photo').setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: await qrPhoto(page, appointmentId) })
    await desk.getByTestId('hall-checked-in').waitFor()
    label = (await desk.locator('[data-testid="hall-checked-in"] .desk-label').innerText()).trim()
    assert(/^[A-Z]{1,2}\d{3}$/.test(label), `ticket: ${label}`)
  })

  await check('typing the same code gives the same ticket again', desk, async () => {
    await desk.getByTestId('hall-code').locator('input').fill(code.toLowerCase().replace(/(.{4})/g, '$1 '))
    await desk.getByTestId('hall-checkin-go').click()
    await desk.getByTestId('hall-checked-in').filter({ hasText: label }).waitFor()
    await desk.getByTestId(`hall-ticket-${label}`).waitFor()
  })

  await check('the resident\'s page shows the ticket, its place and the wait', page, async () => {
    await page.goto(`${BASE_URL}/appointments/${appointmentId}`, { waitUntil: 'networkidle' })
    await page.getByTestId('appointment-ticket').waitFor()
    assert((await page.getByTestId('appointment-ticket-label').innerText()).trim() === label, 'another label on the phone')
    const ticket = await page.getByTestId('appointment-ticket').innerText()
    assert(ticket.includes('等候') && /前面还有 \d+ 人|下一位就是您/.test(ticket), `ticket: ${ticket}`)
  })

  await check('a walk-in ticket; the clerk calls the next tickets to a window until the appointment\'s, and the resident\'s page says where to go', desk, async () => {
    await desk.getByTestId('hall-walkin-service').click()
    await desk.locator('.van-action-sheet__item').first().click()
    await desk.getByTestId('hall-walkin-go').click()
    await desk.getByTestId('hall-walkin-issued').waitFor()
    await desk.locator('[data-testid^="hall-group-"]').first().click()
    const window = desk.locator('[data-testid^="hall-window-"]').first()
    const windowName = (await window.innerText()).trim()
    await window.click()
    assert((await smallTargets(desk)).length === 0, `small targets on the hall desk: ${await smallTargets(desk)}`)
    for (let i = 0; i < 10; i++) {
      await desk.getByTestId('hall-call-next').click()
      await desk.getByTestId('hall-serving').waitFor()
      const called = (await desk.getByTestId('hall-serving-label').innerText()).trim()
      if (called === label) break
      await desk.getByTestId('hall-serve').click() // someone before (the walk-in) is served first
      await desk.getByTestId('hall-serving').waitFor({ state: 'hidden' })
    }
    assert((await desk.getByTestId('hall-serving-label').innerText()).trim() === label, 'the appointment was never called')
    // The stream's queue.called notice (or the page's poll) brings the window to the phone.
    await page.getByTestId('appointment-ticket-window').waitFor({ timeout: 40000 })
    assert((await page.getByTestId('appointment-ticket-window').innerText()).includes(windowName), await page.getByTestId('appointment-ticket-window').innerText())
  })

  await check('the public board shows the called number and its window, in huge type', board, async () => {
    await board.goto(`${BASE_URL}/board/${HALL}`, { waitUntil: 'domcontentloaded' })
    await board.getByTestId(`board-called-${label}`).waitFor()
    const size = await board.locator(`[data-testid="board-called-${label}"] .board-number`).evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
    assert(size >= 36, `board number font-size ${size}px`)
    assert((await board.getByTestId('resident-tabbar').count()) === 0, 'a tab bar on the board')
  })

  await check('重呼 counts a second call; 办结 serves the ticket, and the resident\'s page says so', desk, async () => {
    await desk.getByTestId('hall-recall').click()
    await desk.getByTestId('hall-serving').filter({ hasText: '已叫 2 次' }).waitFor()
    await desk.getByTestId('hall-serve').click()
    await desk.getByTestId('hall-serving').waitFor({ state: 'hidden' })
    await page.reload({ waitUntil: 'networkidle' })
    await page.getByTestId('appointment-ticket-status').filter({ hasText: '已办理' }).waitFor()
    assert((await page.getByTestId('appointment-pass').count()) === 0, 'the QR code still shows after check-in')
  })

  await check('another booking: 改约 moves it to another time after asking, 取消预约 cancels it after asking', page, async () => {
    await page.goto(`${BASE_URL}/appointments/new?service=${SERVICE}&hall=${HALL}`, { waitUntil: 'networkidle' })
    const days = await page.locator('[data-testid^="day-"]:not([disabled])').evaluateAll((els) => els.map((b) => b.dataset.testid.slice(4)))
    const other = days.find((d) => d !== day)
    assert(other, `no second bookable day: ${days}`)
    await page.getByTestId(`day-${other}`).click()
    const slots = page.locator('[data-testid^="slot-"]:not([disabled])')
    await slots.first().waitFor()
    await slots.first().click()
    await page.getByTestId('appointment-confirm-button').click()
    await page.waitForURL(/\/appointments\/\d+$/)
    const second = Number(new URL(page.url()).pathname.split('/').pop())
    const before = await page.getByTestId('appointment-when').innerText()
    await page.getByTestId('appointment-reschedule').click()
    await page.getByTestId('appointment-moving').waitFor()
    await page.getByTestId(`day-${other}`).click() // the same day, a later time
    const later = page.locator('[data-testid^="slot-"]:not([disabled])')
    await later.nth(1).waitFor()
    const to = (await later.nth(1).getAttribute('data-testid')).slice(5)
    await later.nth(1).click()
    const dialog = page.locator('.appt-reschedule-dialog')
    await dialog.waitFor()
    assert((await dialog.innerText()).includes(to), `reschedule dialog: ${await dialog.innerText()}`)
    await dialog.locator('.van-dialog__confirm').click()
    await page.waitForURL(new RegExp(`/appointments/${second}$`))
    await page.getByTestId('appointment-when').filter({ hasText: to }).waitFor()
    assert(before !== (await page.getByTestId('appointment-when').innerText()), 'the time did not change')
    await page.getByTestId('appointment-cancel').click()
    const cancel = page.locator('.appt-cancel-dialog')
    await cancel.waitFor()
    await cancel.locator('.van-dialog__cancel').click() // 不取消: nothing happens
    await cancel.waitFor({ state: 'hidden' })
    await page.getByTestId('appointment-status').filter({ hasText: '已预约' }).waitFor()
    await page.getByTestId('appointment-cancel').click()
    await page.locator('.appt-cancel-dialog .van-dialog__confirm').click()
    await page.getByTestId('appointment-status').filter({ hasText: '已取消' }).waitFor()
    assert((await page.getByTestId('appointment-pass').count()) === 0, 'a cancelled booking still shows its QR code')
    await page.goto(`${BASE_URL}/appointments`, { waitUntil: 'networkidle' })
    await page.getByTestId('appointments-past').getByTestId(`appointment-${second}`).filter({ hasText: '已取消' }).waitFor()
  })
} finally {
  await resident.close()
  await clerk.close()
  await screen.close()
}
finish()
