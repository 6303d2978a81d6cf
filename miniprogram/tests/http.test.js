// The request module against the real backend: problem+json in Chinese, a network failure, the silent re-login of an
// expired session, a revoked session not undone, an upload with progress.
const http = require('../utils/http')
const { api } = require('../utils/api')
const config = require('../config')
const { idNumber } = require('./support/people')

const device = global.device

async function verifiedResident() {
  const session = await http.login([
    ...(await api.documents()).documents.filter((d) => d.document !== 'id_number').map((d) => ({ document: d.document, version: d.version })),
  ])
  expect(session.token).toBeTruthy()
  if (session.verified) return // this device's WeChat user was bound by an earlier test
  const idDoc = (await api.documents()).documents.find((d) => d.document === 'id_number')
  await api.bindIdentity('王建国', idNumber(), [{ document: 'id_number', version: idDoc.version }])
}

test('an error answer becomes an ApiError with the backend’s Chinese message', async () => {
  const error = await api.guide('no_such_service').catch((e) => e)
  expect(error).toBeInstanceOf(http.ApiError)
  expect(error.status).toBe(404)
  expect(http.messageOf(error)).toMatch(/[\u4e00-\u9fff]/)
})

test('a network failure has its own message', async () => {
  const base = config.apiBase
  config.apiBase = 'http://127.0.0.1:9' // nothing listens there
  device.errors.length = 0
  try {
    const error = await api.services({ q: '' }).catch((e) => e)
    expect(error.code).toBe('network.offline')
    expect(http.messageOf(error)).toBe('网络连接失败，请检查网络后重试')
  } finally {
    config.apiBase = base
  }
})

test('an expired session logs in again through wx.login once and the call goes through', async () => {
  await verifiedResident()
  const me = await api.me()
  http.setToken('expired-or-unknown-token')
  const logins = device.requests.filter((r) => r.path.endsWith('/auth/wechat/miniprogram')).length
  expect((await api.me()).person_id).toBe(me.person_id) // same WeChat user: the same person
  expect(device.requests.filter((r) => r.path.endsWith('/auth/wechat/miniprogram')).length).toBe(logins + 1)
  expect(http.getToken()).not.toBe('expired-or-unknown-token')
})

test('without a login there is no silent one: the 401 reaches the page', async () => {
  http.clearToken()
  const error = await api.me().catch((e) => e)
  expect(error.status).toBe(401)
  expect(error.code).toBe('auth.not_authenticated')
  expect(http.getToken()).toBe('')
})

test('a photo goes up with wx.uploadFile, reporting progress', async () => {
  await verifiedResident()
  const progress = []
  const material = await api.uploadMaterial(process.env.PHOTO_PATH, 'id_card', (p) => progress.push(p))
  expect(material.id).toBeGreaterThan(0)
  expect(progress.length).toBeGreaterThan(1)
  expect(progress[progress.length - 1]).toBe(100)
})

test('a call or a key not in utils/endpoints.js is refused before anything goes out', async () => {
  await expect(http.call('services', { query: { nope: 1 } })).rejects.toThrow(/not declared/)
  await expect(http.call('agree', { body: { accept: [], extra: 1 } })).rejects.toThrow(/not declared/)
})
