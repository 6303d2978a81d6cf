// 证照寄递 and 消息, page by page against the real backend: a resident's submitted case (over the API) asks for
// delivery on pages/delivery (微信收货地址 behind the privacy popup, a named proxy, the 证照寄递通知 asked for in the
// tap, refusing it blocks nothing), cancels with a confirm and asks again with the saved address; staff issue the
// certificate (staff Bearer session, SMS code from the fake gateway), the fake EMS takes the order and pushes
// 揽收 / 到达 / 派送: the card shows 派送中, the carrier's events and the 签收码; the courier confirms with the code
// and a photo: 已签收, who signed, the photo (fetched with the Bearer header). Then 消息: the notices of all that,
// the unread count, one opened on its page, 全部已读. Last, a session revoked from another device: the next call
// sends the person to the login page with the reason, in Chinese.
const { openPage, find, tap, type, text, waitForText, waitFor, lastNavigation } = require('./support/page')
const { httpRequest } = require('./support/wx')
const { idNumber } = require('./support/people')
const backend = require('./support/backend')
const http = require('../utils/http')
const { api } = require('../utils/api')

const device = global.device
const TEMPLATE = (process.env.WECHAT_TEMPLATES || '').split(',')[1] // the delivery template (tests/test_miniprogram.py)
const ids = { case: 0, delivery: 0, waybill: '', code: '' }

/** This test file's WeChat user, logged in and real-name verified (the case needs it). */
beforeAll(async () => {
  const docs = (await api.documents()).documents
  const session = await http.login(docs.filter((d) => d.document !== 'id_number').map((d) => ({ document: d.document, version: d.version })))
  if (!session.verified) {
    const idDoc = docs.find((d) => d.document === 'id_number')
    await api.bindIdentity('钱七', idNumber(), [{ document: 'id_number', version: idDoc.version }])
  }
  ids.case = await backend.submittedCase(http.getToken())
})

afterAll(() => {
  for (const file of device.downloads) require('fs').rmSync(file, { force: true })
})

/** Tap inside the privacy popup of a page (a component: its own shadow tree). */
async function popupTap(page, popup, selector, event = 'tap') {
  const node = find(page, popup).querySelector(selector)
  if (!node) throw new Error(`${selector} not in ${popup}`)
  node.dispatchEvent(event)
  await new Promise((r) => setTimeout(r, 20))
}

const posted = (suffix) => device.requests.filter((r) => r.method === 'POST' && r.path.endsWith(suffix))

test('申请邮寄: the form checks itself, 微信收货地址 waits for the privacy agreement, the subscribe dialog comes first and refusing it blocks nothing', async () => {
  const page = await openPage(`/pages/delivery/delivery?id=${ids.case}`)
  await waitForText(page, '的证照办好后由 EMS 寄出，请填写收件信息')
  expect(text(page)).toContain('个体工商户') // the case's item, from the server
  expect(page.instance.data.saved).toEqual([]) // no saved address yet: the new-address form

  await tap(page, '#delivery-submit')
  await waitForText(page, '请填写收件人姓名')
  expect(text(page)).toContain('请选择所在地区（省市区县）')
  expect(posted('/deliveries')).toEqual([])

  // 微信收货地址 for a person who has not agreed to the privacy guide yet: our popup, the guide, 同意.
  device.privacy.agreed = false
  device.address = {
    userName: '钱七', telNumber: '13912345678', provinceName: '江西省', cityName: '九江市', countyName: '德安县',
    nationalCode: '360426', streetName: '蒲亭镇', detailInfo: '人民路 1 号 3 单元', detailInfoNew: '人民路 1 号 3 单元', postalCode: '330400',
  }
  await tap(page, '#delivery-wechat-address')
  await waitForText(page, '隐私保护提示')
  expect(text(page)).toContain('使用微信收货地址前，请您阅读并同意《一网通办小程序隐私保护指引》')
  await popupTap(page, '#delivery-privacy', '#privacy-contract')
  expect(device.privacy.contractOpened).toBe(1)
  await popupTap(page, '#delivery-privacy', '#privacy-agree', 'agreeprivacyauthorization')
  await waitFor(() => page.instance.data.form.name === '钱七', 'the form filled from the WeChat address')
  expect(device.privacy.events).toEqual(['exposureAuthorization', 'agree'])
  expect(device.privacy.referrers).toEqual(['chooseAddress'])
  expect(text(page)).not.toContain('隐私保护提示')
  expect(page.instance.data.form).toMatchObject({ phone: '13912345678', regionCode: '360426', street: '蒲亭镇', detail: '人民路 1 号 3 单元' })
  expect(text(page)).toContain('江西省 / 九江市 / 德安县')

  // Another district with the native region picker (names and division codes), then back to the station's.
  find(page, '#delivery-region').dispatchEvent('change', { detail: { value: ['北京市', '北京市', '东城区'], code: ['110000', '110100', '110101'] } })
  await waitFor(() => page.instance.data.form.regionCode === '110101', 'the picked region')
  await tap(page, '#delivery-allow-proxy')
  await tap(page, '#delivery-submit')
  await waitForText(page, '请填写代收人姓名')
  await type(page, '#delivery-proxy-name', '钱小七')

  // No station serves 东城区: the server says so on the region.
  device.subscribeAnswers[TEMPLATE] = 'reject'
  await tap(page, '#delivery-submit')
  await waitForText(page, '所选地区没有投递站，请到大厅领取')
  find(page, '#delivery-region').dispatchEvent('change', { detail: { value: ['江西省', '九江市', '德安县'], code: ['360000', '360400', '360426'] } })
  await waitFor(() => page.instance.data.form.regionCode === '360426', 'the station’s district')

  const before = device.requests.length
  await tap(page, '#delivery-submit')
  await waitForText(page, '已申请邮寄')
  const sent = device.requests.slice(before).map((r) => `${r.method} ${r.path}`)
  // The subscribe answer (a refusal) is reported before the request goes out, and the request goes out anyway.
  expect(sent).toEqual(['POST /api/v1/me/wechat-subscriptions', 'POST /api/v1/deliveries'])
  expect(device.toasts).toContain('已申请邮寄')
  const shown = text(page)
  expect(shown).toContain('收件人：钱* 139****5678') // masked by the server
  expect(shown).not.toContain('13912345678')
  expect(shown).toContain('江西省 九江市 德安县 蒲亭镇 人民路 1 号 3 单元') // the owner reads it in full
  expect(shown).toContain('允许 钱** 代收')
  expect(page.instance.data.card.steps.filter((s) => s.done).map((s) => s.label)).toEqual(['已申请邮寄'])
  expect(shown).not.toContain('签收码')
  ids.delivery = page.instance.data.card.id
})

test('取消邮寄 asks first (不取消 keeps it); cancelled, the page offers it again with the saved address, and the accepted notice is credited', async () => {
  const page = await openPage(`/pages/delivery/delivery?id=${ids.case}`)
  await waitForText(page, '已申请邮寄')
  device.modalAnswers.push(false)
  await tap(page, '#delivery-cancel')
  expect(device.modals[device.modals.length - 1]).toEqual({ title: '取消邮寄？', content: '取消后可以到窗口领取，或重新申请邮寄。' })
  expect(posted(`/deliveries/${ids.delivery}/cancel`)).toEqual([])

  await tap(page, '#delivery-cancel')
  await waitForText(page, '已取消邮寄。如需邮寄，可以重新申请。')
  expect(posted(`/deliveries/${ids.delivery}/cancel`)).toHaveLength(1)
  expect(device.toasts).toContain('已取消邮寄')
  // The address was saved with the first request: it is offered (masked) and chosen.
  const saved = page.instance.data.saved
  expect(saved).toHaveLength(1)
  expect(saved[0].who).toBe('钱* 139****5678')
  expect(page.instance.data.form.choice).toBe(saved[0].id)

  device.subscribeAnswers[TEMPLATE] = 'accept'
  await tap(page, '#delivery-submit')
  await waitFor(() => page.instance.data.state === 'card', 'the new card')
  // Reporting a refusal adds nothing and answers the credits so far: the accepted one is there.
  const credits = await backend.call('POST', '/me/wechat-subscriptions', { token: http.getToken(), body: { results: { [TEMPLATE]: 'reject' } } })
  expect(credits).toMatchObject({ credits: { [TEMPLATE]: 1 } })
  ids.delivery = page.instance.data.card.id
  expect(text(page)).not.toContain('代收') // the consents go with each request: this one has none
  expect(text(page)).toContain('收件人：钱* 139****5678')
})

test('派送中: after 出证 the carrier takes the order and pushes its events; the card shows them and the 签收码, no 取消邮寄', async () => {
  const staff = await backend.staffSession()
  await backend.staffIssues(staff, ids.case)
  ids.waybill = await backend.waybillOrdered(ids.delivery, 60000)
  await backend.carrierPush(ids.waybill, '203', '【蒲亭镇营业部】已收寄')
  await backend.carrierPush(ids.waybill, '306', '到达【蒲亭镇投递站】')
  await backend.carrierPush(ids.waybill, '702', '【蒲亭镇投递站】安排投递')

  const page = await openPage(`/pages/delivery/delivery?id=${ids.case}`)
  await waitForText(page, '派送中')
  const card = page.instance.data.card
  expect(text(page)).toContain(`EMS 运单号 ${ids.waybill}`)
  expect(card.pickupCode).toMatch(/^\d{6}$/)
  expect(text(page)).toContain(card.pickupCode)
  expect(text(page)).toContain('快递员上门时，请把签收码告诉快递员')
  expect(card.events.map((e) => e.text)).toEqual(['【蒲亭镇投递站】安排投递', '到达【蒲亭镇投递站】', '【蒲亭镇营业部】已收寄'])
  expect(card.steps.filter((s) => s.done).map((s) => s.label)).toEqual(['已申请邮寄', '已下单', '已揽收', '运输中', '派送中'])
  expect(page.querySelector('#delivery-cancel')).toBeFalsy()
  ids.code = card.pickupCode
}, 90000)

test('without signal at the door the card shows what was last seen, the 签收码 included, and no 取消邮寄', async () => {
  device.offline = true
  try {
    const page = await openPage(`/pages/delivery/delivery?id=${ids.case}`)
    await waitForText(page, /网络连接不上，下面是 今天 \d\d:\d\d 的邮寄情况/)
    expect(page.instance.data.card.pickupCode).toBe(ids.code)
    expect(text(page)).toContain(ids.code)
    expect(page.querySelector('#delivery-cancel')).toBeFalsy()
    await tap(page, '#delivery-offline-retry') // still no signal: still the copy
    await waitFor(() => page.instance.data.state === 'card', 'the copy again')
    expect(page.instance.data.asOf).not.toBe('')
    device.offline = false
    await tap(page, '#delivery-offline-retry')
    await waitFor(() => page.instance.data.state === 'card' && page.instance.data.asOf === '', 'the live card')
    expect(page.querySelector('#delivery-offline')).toBeFalsy()
  } finally {
    device.offline = false
  }
})

test('已签收: the courier confirms with the code and a photo; the card says who signed and shows the photo, the code is gone', async () => {
  const courier = await backend.staffSession(backend.DEMO_COURIER)
  await backend.courierDelivers(courier, ids.delivery, ids.code)

  const page = await openPage(`/pages/delivery/delivery?id=${ids.case}`)
  await waitForText(page, '已签收')
  expect(text(page)).toMatch(/本人签收 · \d+月\d+日 \d\d:\d\d/)
  expect(page.instance.data.card.pickupCode).toBe('')
  expect(text(page)).not.toContain(ids.code)
  expect(page.instance.data.card.steps.every((s) => s.done)).toBe(true)
  // The photo came with the Bearer header through wx.downloadFile: a JPEG file the <image> shows.
  await waitFor(() => page.instance.data.proofPhoto !== '', 'the proof photo')
  const file = page.instance.data.proofPhoto
  expect(require('fs').readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
  expect(find(page, '#delivery-proof-photo')).toBeTruthy() // the <image src="{{ proofPhoto }}">
  expect(device.requests.filter((r) => r.path === `/api/v1/deliveries/${ids.delivery}/proof.jpg`)).toHaveLength(1)
})

test('a call the server wants an Idempotency-Key for is refused without one, before anything goes out', async () => {
  const before = device.requests.length
  await expect(http.call('requestDelivery', { body: { application_id: ids.case } })).rejects.toThrow(/Idempotency-Key/)
  expect(device.requests.length).toBe(before)
})

test('a case that is not one’s own (or does not exist) says so', async () => {
  const page = await openPage('/pages/delivery/delivery?id=999999999')
  await waitFor(() => page.instance.data.state === 'failed', 'the failure')
  expect(text(page)).toMatch(/[\u4e00-\u9fff]/)
  expect(page.querySelector('#delivery-retry')).toBeTruthy()
})

test('消息: the notices of the delivery, the unread count, one opened on its page (read), 全部已读', async () => {
  const page = await openPage('/pages/inbox/inbox')
  await waitFor(() => page.instance.data.state === 'ready', 'the inbox')
  const { items, unread } = page.instance.data
  expect(items.length).toBeGreaterThan(1)
  expect(unread).toBeGreaterThan(1)
  expect(text(page)).toContain(`${unread} 条未读`)
  const deliveryNotice = items.find((n) => n.unread && n.page === `/pages/delivery/delivery?id=${ids.case}`)
  expect(deliveryNotice).toBeTruthy()
  expect(text(page)).toContain(deliveryNotice.title)

  await tap(page, `#inbox-item-${deliveryNotice.id}`)
  await waitFor(() => lastNavigation() && lastNavigation().url === deliveryNotice.page, 'the delivery page opened')
  expect(lastNavigation().kind).toBe('navigateTo')
  expect(page.instance.data.unread).toBe(unread - 1)
  expect((await api.unreadCount()).unread).toBe(unread - 1)

  await tap(page, '#inbox-read-all')
  await waitForText(page, '没有未读消息')
  expect(device.toasts).toContain('已全部标为已读')
  expect((await api.unreadCount()).unread).toBe(0)
  expect(page.instance.data.items.every((n) => !n.unread)).toBe(true)
})

test('隐私: the getPhoneNumber button waits on the popup of 实名认证; 不同意 answers disagree, and 微信收货地址 refused says to type it', async () => {
  device.privacy.agreed = false
  device.privacy.events.length = 0
  const identity = await openPage('/pages/identity/identity')
  const answer = device.needPrivacy('button.getPhoneNumber')
  await waitForText(identity, '用微信绑定手机号前，请您阅读并同意')
  await popupTap(identity, '#identity-privacy', '#privacy-disagree')
  expect(await answer).toBe('disagree')
  expect(device.privacy.events).toEqual(['exposureAuthorization', 'disagree'])
  expect(text(identity)).not.toContain('隐私保护提示')

  // A new case page (the case is delivered-bound, so use the form of another one): 微信收货地址 refused.
  const other = await backend.submittedCase(http.getToken())
  const page = await openPage(`/pages/delivery/delivery?id=${other}`)
  await waitFor(() => page.instance.data.state === 'form', 'the form')
  await tap(page, '#delivery-saved-new')
  await tap(page, '#delivery-wechat-address')
  await waitForText(page, '隐私保护提示')
  await popupTap(page, '#delivery-privacy', '#privacy-disagree')
  await waitFor(() => device.toasts.includes('未同意隐私保护指引，请手动填写地址'), 'the toast')
  expect(page.instance.data.form.name).toBe('')
  device.privacy.agreed = true
})

test('a session revoked from another device: the next call drops the token and opens the login page with the reason', async () => {
  // The same WeChat user logs in on a second device and signs this one out (我的设备 → 退出该设备).
  const { code } = JSON.parse(
    (await httpRequest(`${process.env.WECHAT_URL}/_fake/login-code`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ openid: device.openid }),
    })).body,
  )
  const other = await backend.call('POST', '/auth/wechat/miniprogram', { body: { code, accept: [] } })
  const { devices } = await backend.call('GET', '/me/sessions', { token: other.token })
  const mine = devices.filter((d) => !d.current)
  expect(mine.length).toBeGreaterThan(0)
  for (const d of mine) await backend.call('DELETE', `/me/sessions/${d.id}`, { token: other.token })

  const modals = device.modals.length
  const page = await openPage('/pages/inbox/inbox', { launch: true })
  await waitFor(() => lastNavigation() && lastNavigation().url === '/pages/login/login', 'the login page')
  expect(device.modals.slice(modals)).toEqual([{ title: '已退出登录', content: '您已在其他设备上被退出登录，请重新登录' }])
  expect(lastNavigation().kind).toBe('navigateTo')
  expect(http.getToken()).toBe('') // not logged in again silently
  expect(text(page)).toContain('登录后可查看您的消息')
})
