// Progress reaches the resident by itself: a resident submits an application, turns on
// notifications on the case page, and keeps the page open; a clerk accepts the case in a second
// phone browser; without a reload the resident's timeline shows 已受理, the unread badge counts
// it, and a Web Push message (encrypted, VAPID-signed) reached the push service for their phone.
//
// Env: BASE_URL, SMS_GATEWAY_URL, PUSH_SERVICE_URL (tests/fakes/webpush.py run as a process),
// RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, PHOTO_PATH.
//
// Chromium here has no network, so its own push service (FCM) cannot be reached: the real
// PushManager.subscribe() is tried once and its outcome logged, then PushManager is replaced by
// one that gets subscriptions from the fake push service (Node does the fetch, no CORS). The
// service worker's push handler is exercised through CDP (ServiceWorker.deliverPushMessage).
import { assert, checklist, clerkSignsIn, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, PUSH_SERVICE_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, PHOTO_PATH } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !PUSH_SERVICE_URL || !RESIDENT_PHONE || !STAFF_PHONE || !STAFF_PASSWORD || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, PUSH_SERVICE_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD and PHOTO_PATH are required')
  process.exit(2)
}
const { check, finish } = checklist('notify')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))


/** The browser half of the fake push service: one subscription for this phone, kept in Node. */
let fakeSubscription = null
async function fakePush(op, applicationServerKey) {
  if (op === 'subscribe') {
    if (!fakeSubscription || fakeSubscription.key !== applicationServerKey) {
      const r = await fetch(`${PUSH_SERVICE_URL}/_fake/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ application_server_key: applicationServerKey }),
      })
      if (!r.ok) throw new Error(`fake push service: ${r.status} ${await r.text()}`)
      fakeSubscription = { ...(await r.json()), key: applicationServerKey }
    }
    return fakeSubscription
  }
  if (op === 'unsubscribe') {
    if (!fakeSubscription) return false
    await fetch(`${PUSH_SERVICE_URL}/_fake/unsubscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: fakeSubscription.endpoint }),
    })
    fakeSubscription = null
    return true
  }
  return fakeSubscription
}

// Runs in every page before the app: PushManager backed by fakePush (exposed as a binding).
function installFakePushManager() {
  if (typeof PushManager === 'undefined') return
  const bridge = (...args) => window.__yiwangFakePush(...args)
  const toB64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  const fromB64url = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer
  const wrap = (json) =>
    json && {
      endpoint: json.endpoint,
      expirationTime: json.expirationTime ?? null,
      options: { userVisibleOnly: true, applicationServerKey: fromB64url(json.key) },
      getKey: (name) => (json.keys[name] ? fromB64url(json.keys[name]) : null),
      toJSON: () => ({ endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: { ...json.keys } }),
      unsubscribe: () => bridge('unsubscribe'),
    }
  PushManager.prototype.subscribe = async function subscribe(options) {
    const key = options && options.applicationServerKey
    if (!key) throw new DOMException('applicationServerKey is required', 'NotSupportedError')
    const text = typeof key === 'string' ? key : toB64url(new Uint8Array(ArrayBuffer.isView(key) ? key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) : key))
    return wrap(await bridge('subscribe', text))
  }
  PushManager.prototype.getSubscription = async function getSubscription() {
    return wrap(await bridge('get'))
  }
  PushManager.prototype.permissionState = async function permissionState() {
    return Notification.permission === 'granted' ? 'granted' : Notification.permission === 'denied' ? 'denied' : 'prompt'
  }
}

async function pushMessages(endpoint) {
  const token = endpoint.replace(/\/+$/, '').split('/').pop()
  return (await fetch(`${PUSH_SERVICE_URL}/_fake/messages?token=${encodeURIComponent(token)}`)).json()
}

const resident = await phoneBrowser()
const clerk = await phoneBrowser()
const { page, context } = resident
const desk = clerk.page
const pageErrors = []
page.on('pageerror', (err) => pageErrors.push(String(err)))
// Warnings and errors from the resident's page end up in the test log (the app logs push failures).
page.on('console', (msg) => {
  if (['warning', 'error'].includes(msg.type())) console.log(`# console.${msg.type()}: ${msg.text()}`)
})
let caseId = ''
let trackingNo = ''
let serviceName = ''

try {
  await context.grantPermissions(['notifications'], { origin: BASE_URL })

  await check('resident logs in and verifies', page, async () => {
    // A person of their own: other journeys on the same stack verify other people.
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '赵六', idNumber: '360426198505050032' })
    await page.getByTestId('me-notify-prefs').waitFor()
  })

  await check('a real pushManager.subscribe() is tried first (this sandbox cannot reach FCM)', page, async () => {
    const outcome = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready
      const key = (await (await fetch('/api/v1/push/vapid-public-key')).json()).public_key
      const bytes = Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (key.length % 4)) % 4)), (c) => c.charCodeAt(0))
      const attempt = reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes }).then(
        async (s) => {
          const endpoint = s.endpoint
          await s.unsubscribe() // a real one would get in the way of the fake below
          return `subscribed (then unsubscribed): ${endpoint}`
        },
        (e) => `${e.name}: ${e.message}`,
      )
      return Promise.race([attempt, new Promise((r) => setTimeout(() => r('no answer within 8 s'), 8000))])
    })
    console.log(`# real PushManager.subscribe(): ${outcome}`)
  })

  await page.exposeFunction('__yiwangFakePush', fakePush)
  await context.addInitScript(installFakePushManager)

  await check('apply for a business licence and submit (prefilled form, one photo)', page, async () => {
    await page.goto(BASE_URL + '/services?q=yyzz', { waitUntil: 'networkidle' })
    await page.getByTestId('service-000105001000').click()
    serviceName = (await page.getByTestId('guide-name').innerText()).trim()
    await page.getByTestId('guide-apply').click()
    await page.getByTestId('apply-page').waitFor()
    await page.getByTestId('field-business_name').locator('input').fill('赵六农家乐')
    await page.getByTestId('field-business_scope').locator('textarea').fill('餐饮服务')
    await page.getByTestId('field-address').locator('input').fill('江西省上饶市铅山县河口镇1号')
    await page.getByTestId('field-address').locator('input').blur()
    await page.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(PHOTO_PATH)
    await page.getByTestId('material-id_card').getByTestId('material-attached').waitFor()
    await page.getByTestId('apply-submit').click()
    await page.getByTestId('case-page').waitFor()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    caseId = page.url().match(/\/cases\/(\d+)/)[1]
    trackingNo = (await page.getByText(/办件编号 \d{14}/).innerText()).match(/\d{14}/)[0]
  })

  await check('right after submitting, the case page offers notifications once; 开启通知 subscribes this phone', page, async () => {
    await page.getByTestId('push-offer').waitFor()
    await page.getByTestId('notify-state').and(page.locator('[data-state="off"]')).waitFor()
    await page.getByTestId('notify-enable').click()
    await page.getByTestId('notify-state').and(page.locator('[data-state="on"]')).waitFor()
    assert(fakeSubscription, 'PushManager.subscribe() was not called')
    const listed = await page.evaluate(async () => (await (await fetch('/api/v1/push/subscriptions')).json()).items)
    assert(listed.some((s) => s.endpoint === fakeSubscription.endpoint), `server subscriptions: ${JSON.stringify(listed)}`)
    const prefs = await page.evaluate(async () => (await fetch('/api/v1/me/notification-preferences')).json())
    assert(prefs.webpush === true, `preferences: ${JSON.stringify(prefs)}`)
  })

  await check('the submission is in 我的消息; 全部已读 clears the badge; its item leads back to the case', page, async () => {
    await page.getByTestId('inbox-badge').filter({ hasText: /^1$/ }).waitFor()
    await page.getByTestId('tab-me').click()
    await page.getByTestId('me-inbox').click()
    await page.getByTestId('inbox-page').waitFor()
    const item = page.locator('[data-testid^="inbox-item-"]', { hasText: '已提交' })
    await item.first().waitFor()
    assert((await item.first().getAttribute('data-unread')) === 'true', 'the submission notice is not unread')
    await page.getByTestId('inbox-read-all').click()
    await page.getByTestId('inbox-badge').waitFor({ state: 'detached' })
    assert((await item.first().getAttribute('data-unread')) === 'false', 'still unread after 全部已读')
    await item.first().click()
    await page.waitForURL(new RegExp(`/cases/${caseId}$`))
    await page.getByTestId('case-timeline').waitFor()
  })

  await check('the clerk logs in and accepts the case', desk, async () => {
    await page.evaluate(() => { window.__sameDocument = true }) // gone if the resident's page reloads
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: STAFF_PHONE, password: STAFF_PASSWORD })
    await desk.getByTestId(`staff-case-${caseId}`).click()
    await desk.getByTestId('staff-accept').click()
    await desk.locator('.staff-confirm-accept .van-dialog__confirm').click()
    await desk.getByTestId('staff-status').filter({ hasText: '已受理' }).waitFor()
  })

  await check('without a reload the resident sees 已受理 on the timeline within 5 s, and the badge shows 1', page, async () => {
    await page.getByTestId('case-timeline').filter({ hasText: '已受理' }).waitFor({ timeout: 5000 })
    await page.getByTestId('case-status').filter({ hasText: '已受理' }).waitFor({ timeout: 2000 })
    await page.getByTestId('inbox-badge').filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 })
    assert(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded')
  })

  let pushed = null
  await check('the push service got one encrypted, VAPID-signed message about the case', page, async () => {
    let messages = []
    for (let i = 0; i < 50 && !messages.length; i++) {
      messages = await pushMessages(fakeSubscription.endpoint)
      if (!messages.length) await sleep(200)
    }
    assert(messages.length === 1, `messages at the push service: ${JSON.stringify(messages)}`)
    pushed = JSON.parse(messages[0].text)
    const words = `${pushed.title} ${pushed.body}`
    assert(words.includes('已受理') && words.includes(trackingNo), `push payload: ${messages[0].text}`)
    assert(serviceName && words.includes(serviceName.slice(0, 4)), `push payload does not name ${serviceName}: ${messages[0].text}`)
    assert(pushed.url === `/cases/${caseId}` && pushed.tag && typeof pushed.id === 'number', `push payload: ${messages[0].text}`)
  })

  await check('the service worker shows the push as a notification; a re-delivery replaces it (same tag)', page, async () => {
    const cdp = await context.newCDPSession(page)
    const registrations = []
    const workerErrors = []
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations))
    cdp.on('ServiceWorker.workerErrorReported', (e) => workerErrors.push(e.errorMessage))
    await cdp.send('ServiceWorker.enable')
    for (let i = 0; i < 50 && !registrations.some((r) => !r.isDeleted && r.scopeURL === BASE_URL + '/'); i++) await sleep(100)
    const registration = registrations.find((r) => !r.isDeleted && r.scopeURL === BASE_URL + '/')
    assert(registration, `no service worker registration: ${JSON.stringify(registrations)}`)
    const shownNow = () => page.evaluate(async (tag) => {
      const reg = await navigator.serviceWorker.ready
      return (await reg.getNotifications({ tag })).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))
    }, pushed.tag)
    const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: BASE_URL, registrationId: registration.registrationId, data: JSON.stringify(pushed) })
    // The same message twice (a push service may deliver again): one notification, not two.
    await deliver()
    await deliver()
    let shown = []
    for (let i = 0; i < 100 && !shown.length; i++) {
      // A worker that was busy starting up may miss a delivery; the tag makes another one harmless.
      if (i && i % 30 === 0) await deliver()
      shown = await shownNow()
      if (!shown.length) await sleep(100)
    }
    await sleep(300) // a duplicate would show up by now
    shown = await shownNow()
    assert(shown.length === 1, `notifications shown: ${JSON.stringify(shown)}; worker errors: ${JSON.stringify(workerErrors)}`)
    assert(shown[0].title === pushed.title && shown[0].data.url === pushed.url, `notification: ${JSON.stringify(shown[0])}`)
    assert(workerErrors.length === 0, `service worker errors: ${JSON.stringify(workerErrors)}`)
    await cdp.detach()
  })

  await check('/inbox lists the acceptance; tapping it opens the case and the badge goes', page, async () => {
    await page.goto(BASE_URL + '/inbox', { waitUntil: 'networkidle' })
    const item = page.locator('[data-testid^="inbox-item-"]', { hasText: '已受理' }).first()
    await item.waitFor()
    assert((await item.getAttribute('data-unread')) === 'true', 'the acceptance is not unread')
    await page.getByTestId('inbox-badge').filter({ hasText: /^1$/ }).waitFor()
    await item.click()
    await page.waitForURL(new RegExp(`/cases/${caseId}$`))
    await page.getByTestId('case-timeline').filter({ hasText: '已受理' }).waitFor()
    await page.getByTestId('inbox-badge').waitFor({ state: 'detached' })
    const count = await page.evaluate(async () => (await (await fetch('/api/v1/notifications/unread-count')).json()).unread)
    assert(count === 0, `unread on the server: ${count}`)
  })

  await check('notification settings: channels, the SMS note, quiet hours saved; this phone can be turned off', page, async () => {
    const saved = () => page.evaluate(async () => (await fetch('/api/v1/me/notification-preferences')).json())
    await page.goto(BASE_URL + '/me/notifications', { waitUntil: 'networkidle' })
    await page.getByTestId('prefs-sms-note').filter({ hasText: '短信' }).waitFor()
    await page.getByTestId('notify-state').and(page.locator('[data-state="on"]')).waitFor()
    const before = await saved()
    const quiet = page.getByTestId('prefs-quiet')
    for (const want of [!before.quiet_hours, before.quiet_hours]) {
      await quiet.click()
      await page.locator(`[data-testid="prefs-quiet"][aria-checked="${want}"]`).waitFor()
      await page.getByTestId('prefs-quiet-start').waitFor({ state: want ? 'visible' : 'detached' })
      for (let i = 0; i < 20 && (await saved()).quiet_hours !== want; i++) await sleep(100)
      assert((await saved()).quiet_hours === want, `quiet hours not saved as ${want}`)
    }
    const endpoint = fakeSubscription.endpoint
    await page.getByTestId('notify-disable').click()
    await page.getByTestId('notify-state').and(page.locator('[data-state="off"]')).waitFor()
    assert(fakeSubscription === null, 'the push subscription was not unsubscribed in the browser')
    const listed = await page.evaluate(async () => (await (await fetch('/api/v1/push/subscriptions')).json()).items)
    assert(!listed.some((s) => s.endpoint === endpoint), `this phone is still subscribed on the server: ${JSON.stringify(listed)}`)
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`)
  })
} finally {
  await resident.close()
  await clerk.close()
}
finish()
