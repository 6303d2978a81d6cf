// A resident's first visit, page by page against the real backend: the login page with its consent, 微信登录,
// real-name binding with the ID-number consent, the phone from getPhoneNumber, the catalog search and a 办事指南.
const { openPage, tap, type, text, waitForText, waitFor, lastNavigation } = require('./support/page')
const { httpRequest } = require('./support/wx')
const { idNumber, phone } = require('./support/people')
const http = require('../utils/http')

const device = global.device

test('login asks for 用户协议 and 隐私政策 first, then logs in through wx.login and goes on to 实名认证', async () => {
  const login = await openPage('/pages/login/login?next=%2Fpages%2Fservices%2Fservices')
  await waitForText(login, '用户协议》')
  expect(text(login)).toContain('隐私政策》')

  await tap(login, '#login-submit') // not ticked: nothing goes out
  await waitForText(login, '请先阅读并勾选同意《用户协议》和《隐私政策》')
  expect(device.requests.filter((r) => r.path.endsWith('/auth/wechat/miniprogram'))).toEqual([])
  expect(http.getToken()).toBe('')

  await tap(login, '#login-agree')
  await tap(login, '#login-submit')
  await waitFor(() => lastNavigation() && lastNavigation().kind === 'redirectTo', 'the redirect to 实名认证')
  expect(lastNavigation().url).toBe('/pages/identity/identity?next=%2Fpages%2Fservices%2Fservices')
  expect(http.getToken()).not.toBe('')
  expect(device.toasts).toContain('登录成功')

  // The agreement was recorded with the login: who am I says nothing is pending.
  const me = await openPage('/pages/login/login?consent=1')
  await waitFor(() => lastNavigation().kind === 'redirectTo' && device.navigations.length === 2, 'nothing pending')
  void me
})

test('实名认证 needs the separate ID-number consent, then binds; getPhoneNumber binds the WeChat phone', async () => {
  const page = await openPage('/pages/identity/identity?next=%2Fpages%2Fservices%2Fservices')
  await type(page, '#identity-name', '李小梅')
  await type(page, '#identity-id-number', '110105194912310021') // the check character is wrong
  await tap(page, '#identity-submit')
  await waitForText(page, '请阅读并勾选同意处理您的身份证号码')

  await tap(page, '#identity-consent')
  await tap(page, '#identity-submit')
  await waitFor(() => page.instance.data.errors.id_number, 'the field message')
  expect(page.instance.data.errors.id_number).toMatch(/身份证号码/) // the server's field message, in Chinese
  expect(text(page)).toContain(page.instance.data.errors.id_number)

  await type(page, '#identity-id-number', idNumber())
  await tap(page, '#identity-submit')
  await waitForText(page, '实名认证成功')
  expect(text(page)).toContain('仅本人声明')

  // The getPhoneNumber button: WeChat gives a one-time code (here from the fake), the backend exchanges it.
  const number = phone()
  const res = await httpRequest(process.env.WECHAT_URL + '/_fake/phone-code', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: number }),
  })
  const { code } = JSON.parse(res.body)
  page.querySelector('#identity-phone-button').dispatchEvent('getphonenumber', { detail: { code, errMsg: 'getPhoneNumber:ok' } })
  await waitForText(page, `已绑定手机号：${number.slice(0, 3)}****${number.slice(7)}`)
  expect(device.toasts).toContain('手机号已绑定')

  // Refused in WeChat's dialog: no code, nothing sent.
  const before = device.requests.length
  page.instance.onPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  expect(device.requests.length).toBe(before)

  await tap(page, '#identity-continue')
  expect(lastNavigation()).toEqual({ kind: 'reLaunch', url: '/pages/services/services' })
})

test('办事: search by pinyin initials, open a 办事指南', async () => {
  const services = await openPage('/pages/services/services')
  await waitForText(services, /^(?!.*正在搜索).*共 \d+ 项/)
  const all = services.instance.data.total
  expect(all).toBeGreaterThan(5)

  await type(services, '#services-search', 'yyzz')
  await waitForText(services, /“yyzz”共 \d+ 项/)
  expect(services.instance.data.total).toBeLessThan(all)
  const first = services.instance.data.items[0]
  expect(first.name).toContain('营业执照')
  await tap(services, `#service-${first.code}`)
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: `/pages/guide/guide?code=${first.code}` })

  const guide = await openPage(lastNavigation().url)
  await waitForText(guide, first.name)
  for (const heading of ['基本信息', '办理部门', '申请材料', '办理结果', '承诺办结时限']) expect(text(guide)).toContain(heading)
  expect(guide.instance.data.guide.materials.length).toBeGreaterThan(0)

  const missing = await openPage('/pages/guide/guide?code=no_such_service')
  await waitForText(missing, '该事项不存在或已下线')
})

test('大字模式: the switch on 首页 is kept on the device and every page opens with it', async () => {
  const home = await openPage('/pages/index/index')
  expect(home.querySelector('.page')).toBeTruthy()
  await tap(home, '#home-large-text')
  await waitFor(() => home.instance.data.largeText === true, 'large text on')
  expect(device.toasts).toContain('已开启大字模式')
  expect(home.dom.innerHTML).toContain('large-text')
  const services = await openPage('/pages/services/services')
  expect(services.dom.innerHTML).toContain('large-text')
  await tap(home, '#home-large-text')
  await waitFor(() => home.instance.data.largeText === false, 'large text off')
  const again = await openPage('/pages/services/services')
  expect(again.dom.innerHTML).not.toContain('large-text')
})

test('首页 opened by a subscribe message (?path=) opens the page of that notice; without a login, the login first', async () => {
  await openPage('/pages/index/index?path=%2Fservices%2F000105001000')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/guide/guide?code=000105001000' })
  expect(http.getToken()).not.toBe('') // logged in by the first test
  await openPage('/pages/index/index?path=%2Fcases%2F42')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/case/case?id=42' })
  const token = http.getToken()
  http.clearToken()
  await openPage('/pages/index/index?path=%2Fcases%2F42')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/login/login?next=%2Fpages%2Fcase%2Fcase%3Fid%3D42' })
  http.setToken(token)
  const home = await openPage('/pages/index/index?path=%2Fstaff%2Fcases%2F1')
  expect(lastNavigation().url).toBe('/pages/login/login?next=%2Fpages%2Fcase%2Fcase%3Fid%3D42') // nothing new opened
  await tap(home, '#home-services')
  expect(lastNavigation()).toEqual({ kind: 'navigateTo', url: '/pages/services/services' })
})
