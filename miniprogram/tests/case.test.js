// A resident's errand end to end against the real backend: 办事指南 → 在线申请 → the form (prefilled) → photos of the
// materials with upload progress and the backend's quality hints → the progress notice (wx.requestSubscribeMessage)
// → 提交申请 → 我的办件 → the case's timeline; then a clerk accepts it (direct HTTP, staff login with the SMS code)
// and the case page says 已受理, and WeChat got the subscribe message that opens this case.
const fs = require('fs')
const { openPage, find, tap, type, text, waitForText, waitFor, lastNavigation } = require('./support/page')
const { httpRequest } = require('./support/wx')
const { idNumber, phone } = require('./support/people')
const { pageFor } = require('../utils/links')
const { staffSession } = require('./support/backend')

const device = global.device
// 就业登记与失业登记: selects, a phone, the ID card photo; taken at hall 1, the demo clerk's (backend/catalog/demo.py)
const SERVICE = '000109004000'
const NAME = '周秀英'
const ID_NUMBER = idNumber()
const PROGRESS_TEMPLATE = (process.env.WECHAT_TEMPLATES || '').split(',')[0]
let caseId = 0

/** @param {string} url @param {object} [options] */
async function json(url, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': 'zh-CN' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await httpRequest(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, body: res.body ? JSON.parse(res.body) : null }
}

/** A field of the apply page as it shows (value, error). */
const field = (page, key) => page.instance.data.fields.find((f) => f.key === key)
const material = (page, key) => page.instance.data.materials.find((m) => m.key === key)

test('a resident logs in, binds the identity, and 在线申请 on a 办事指南 opens the application', async () => {
  const login = await openPage('/pages/login/login')
  await tap(login, '#login-agree')
  await tap(login, '#login-submit')
  await waitFor(() => device.toasts.includes('登录成功'), 'the login')

  const identity = await openPage('/pages/identity/identity')
  await type(identity, '#identity-name', NAME)
  await type(identity, '#identity-id-number', ID_NUMBER)
  await tap(identity, '#identity-consent')
  await tap(identity, '#identity-submit')
  await waitForText(identity, '实名认证成功')

  const guide = await openPage(`/pages/guide/guide?code=${SERVICE}`)
  await waitForText(guide, '就业登记与失业登记')
  await tap(guide, '#guide-apply')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/apply/apply?code=${SERVICE}` })
})

test('the form comes prefilled; a required field left empty shows the server’s message beside it, nothing typed is lost', async () => {
  const page = await openPage(`/pages/apply/apply?code=${SERVICE}`)
  await waitForText(page, '申请表（已为您预先填好，请核对）')
  expect(field(page, 'applicant_name').value).toBe(NAME)
  expect(field(page, 'applicant_id_number').value).toBe(ID_NUMBER)
  expect(field(page, 'contact_phone').required).toBe(true)
  caseId = page.instance.data.caseId
  expect(caseId).toBeGreaterThan(0)

  // The selects are WeChat pickers: the index of the choice.
  page.querySelector('#field-registration').dispatchEvent('change', { detail: { value: 0 } })
  page.querySelector('#field-education').dispatchEvent('change', { detail: { value: 2 } })
  await waitFor(() => field(page, 'education').value === '高中、中专或技校', 'the picked value')
  expect(field(page, 'registration').value).toBe('就业登记')
  await type(page, '#field-employer', '德安县蒲亭镇建设路8号小吃店')
  // 联系电话 left empty, no photo yet: 提交申请.
  await tap(page, '#apply-submit')
  await waitFor(() => field(page, 'contact_phone').error, 'the field error of 联系电话')
  expect(field(page, 'contact_phone').error).toMatch(/[\u4e00-\u9fa5]/) // the server's message, in Chinese
  expect(text(page)).toContain(field(page, 'contact_phone').error)
  expect(page.instance.data.error).toMatch(/[\u4e00-\u9fa5]/)
  // Nothing lost: what was typed and picked is still on the page, and saved on the server.
  expect(field(page, 'employer').value).toBe('德安县蒲亭镇建设路8号小吃店')
  expect(field(page, 'education').value).toBe('高中、中专或技校')
  const saved = await json(`${process.env.BASE_URL}/api/v1/applications/${caseId}`, { token: require('../utils/http').getToken() })
  expect(saved.body.form.employer).toBe('德安县蒲亭镇建设路8号小吃店')
  expect(saved.body.status).toBe('draft')

  // Opening 在线申请 again continues the same draft (no second one), with what was saved.
  const again = await openPage(`/pages/apply/apply?code=${SERVICE}`)
  await waitForText(again, '申请材料')
  expect(again.instance.data.caseId).toBe(caseId)
  expect(field(again, 'education').value).toBe('高中、中专或技校')
})

test('a photo too small to read shows the hint; the retake with progress clears it; the submit asks for the notice first', async () => {
  const page = await openPage(`/pages/apply/apply?id=${caseId}`)
  await waitForText(page, '居民身份证')
  expect(material(page, 'id_card').required).toBe(true)

  // 拍照 by someone who has not agreed to the privacy guide yet: our popup first, then the camera (chooseMedia).
  // WeChat's camera answers with a small photo; the backend keeps it and says why a clerk may not read it.
  device.photoPath = process.env.SMALL_PHOTO_PATH
  device.privacy.agreed = false
  await tap(page, '#material-id_card-photo')
  await waitForText(page, '隐私保护提示')
  expect(text(page)).toContain('拍照或从相册选择材料照片')
  find(page, '#apply-privacy').querySelector('#privacy-agree').dispatchEvent('agreeprivacyauthorization')
  await waitForText(page, '照片太小，请靠近一些重拍')
  expect(device.privacy.referrers).toContain('chooseMedia')
  expect(material(page, 'id_card').attached).toBe(true)
  expect(page.querySelector('#material-id_card-hint-too_small')).toBeTruthy()

  // 重拍 with a good photo: the progress shows while it goes up, then the hint is gone.
  device.photoPath = process.env.PHOTO_PATH
  const uploadsBefore = device.requests.filter((r) => r.path === '/api/v1/materials').length
  await tap(page, '#material-id_card-photo')
  await waitForText(page, /上传中 \d+%/)
  await waitFor(() => !material(page, 'id_card').uploading && material(page, 'id_card').hints.length === 0, 'the retake in place')
  expect(text(page)).not.toContain('照片太小')
  expect(text(page)).toContain('已提供')
  expect(device.requests.filter((r) => r.path === '/api/v1/materials').length).toBe(uploadsBefore + 1)
  // The photo itself is shown small: fetched with the Bearer header (wx.downloadFile), a real JPEG on the phone.
  await waitFor(() => material(page, 'id_card').thumb, 'the thumbnail')
  expect(page.querySelector('#material-id_card-thumb')).toBeTruthy() // the <image src="{{ item.thumb }}">
  expect(fs.readFileSync(material(page, 'id_card').thumb).subarray(0, 3).toString('hex')).toBe('ffd8ff')

  await type(page, '#field-contact_phone', phone())
  const subscriptionsBefore = device.requests.filter((r) => r.path === '/api/v1/me/wechat-subscriptions').length
  await tap(page, '#apply-submit')
  await waitFor(() => lastNavigation().kind === 'redirectTo', 'the case page after submitting')
  expect(lastNavigation()).toEqual({ kind: 'redirectTo', url: `/pages/case/case?id=${caseId}` })
  expect(device.toasts).toContain('已提交')
  // The accepted subscription was reported before the submit.
  const calls = device.requests.map((r) => r.path)
  expect(calls.filter((p) => p === '/api/v1/me/wechat-subscriptions').length).toBe(subscriptionsBefore + 1)
  expect(calls.lastIndexOf('/api/v1/me/wechat-subscriptions')).toBeLessThan(calls.lastIndexOf(`/api/v1/applications/${caseId}/submit`))
})

test('我的办件 lists the case with the server’s status; the case shows its timeline newest first', async () => {
  const list = await openPage('/pages/cases/cases')
  await waitForText(list, '就业登记与失业登记')
  expect(text(list)).toContain('已提交，待受理')
  await tap(list, `#case-${caseId}`)
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/case/case?id=${caseId}` })

  const page = await openPage(lastNavigation().url)
  await waitForText(page, '办理进度')
  expect(page.instance.data.item.statusLabel).toBe('已提交，待受理')
  expect(page.instance.data.item.trackingNo).not.toBe('')
  const steps = page.instance.data.item.timeline
  expect(steps[0].text).toMatch(/提交/)
  expect(steps[0].latest).toBe(true)
  expect(steps[0].at >= steps[steps.length - 1].at).toBe(true)
  expect(page.querySelector('#case-fix')).toBeFalsy() // submitted: nothing to edit
})

test('a clerk accepts the case: the case page says 已受理 on reload, and WeChat delivered the notice that opens it', async () => {
  const base = process.env.BASE_URL + '/api/v1'
  const token = await staffSession(process.env.STAFF_PHONE, process.env.STAFF_PASSWORD)
  const accepted = await json(`${base}/staff/applications/${caseId}/accept`, { method: 'POST', body: { note: '' }, token })
  expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted'])

  const page = await openPage(`/pages/case/case?id=${caseId}`)
  await waitForText(page, '已受理，审批中')
  expect(page.instance.data.item.timeline[0].text).toMatch(/受理/)

  // The app's dispatcher sent the progress notice through the subscription the resident accepted at 提交申请.
  let notice
  const deadline = Date.now() + 15000
  while (!notice && Date.now() < deadline) {
    const all = (await json(`${process.env.WECHAT_URL}/_fake/subscribe-messages`)).body
    notice = all.find((m) => m.touser === device.openid && m.template_id === PROGRESS_TEMPLATE && /受理/.test(JSON.stringify(m.data)))
    if (!notice) await new Promise((r) => setTimeout(r, 200))
  }
  expect(notice).toBeTruthy()
  const [pagePath, query] = notice.page.split('?')
  expect(pagePath).toBe('pages/index/index')
  const rawPath = new URLSearchParams(query).get('path') // WeChat hands the page the query as written
  expect(pageFor(rawPath)).toBe(`/pages/case/case?id=${caseId}`)
  await openPage(`/pages/index/index?${query}`)
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/case/case?id=${caseId}` })
})

test('without signal 我的办件 and the case show what was last seen, saying when; 退出登录 forgets it', async () => {
  const list = await openPage('/pages/cases/cases')
  await waitForText(list, '已受理，审批中')
  const page = await openPage(`/pages/case/case?id=${caseId}`)
  await waitForText(page, '已受理，审批中')

  device.offline = true
  try {
    const offlineList = await openPage('/pages/cases/cases')
    await waitForText(offlineList, /网络连接不上，下面是 今天 \d\d:\d\d 的办件情况/)
    expect(text(offlineList)).toContain('已受理，审批中')
    const offlineCase = await openPage(`/pages/case/case?id=${caseId}`)
    await waitForText(offlineCase, /网络连接不上，下面是 今天 \d\d:\d\d 的办理进度/)
    expect(offlineCase.instance.data.item.timeline[0].text).toMatch(/受理/)
    await tap(offlineCase, '#case-offline-retry') // still no signal: still the copy, nothing lost
    expect(offlineCase.instance.data.asOf).not.toBe('')

    device.offline = false
    await tap(offlineCase, '#case-offline-retry')
    await waitFor(() => offlineCase.instance.data.asOf === '', 'the live case again')
    expect(offlineCase.querySelector('#case-offline')).toBeFalsy()
  } finally {
    device.offline = false
  }

  // 退出登录 on 首页 asks first; then the session is gone on the server and nothing of it stays on the phone.
  const home = await openPage('/pages/index/index')
  const token = require('../utils/http').getToken()
  device.modalAnswers.push(false)
  await tap(home, '#home-logout')
  expect(require('../utils/http').getToken()).toBe(token)
  await tap(home, '#home-logout')
  await waitFor(() => !home.instance.data.loggedIn, 'logged out')
  expect(device.toasts).toContain('已退出登录')
  expect(global.wx.getStorageSync('yiwang.offline')).toBe('')
  const stale = await json(`${process.env.BASE_URL}/api/v1/applications/${caseId}`, { token })
  expect(stale.status).toBe(401)
  device.offline = true
  try {
    const after = await openPage('/pages/cases/cases')
    await waitFor(() => after.instance.data.state !== 'loading', 'the list page settled')
    expect(text(after)).not.toContain('已受理，审批中') // nothing of the person was left to show
  } finally {
    device.offline = false
  }
})
