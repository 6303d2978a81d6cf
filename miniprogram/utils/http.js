// @ts-check
/**
 * The one request module: every backend call goes through call() or upload() here (wx.request / wx.uploadFile).
 *
 * - Base URL from config.js, paths and allowed keys from endpoints.js.
 * - Bearer token kept with wx.setStorageSync.
 * - Errors are RFC 9457 problem+json documents (backend/kit/errors.py); their `detail`/`title` is already in Chinese
 *   and becomes ApiError.message. A network failure is an ApiError with code `network.offline` and its own message.
 * - A 401 `auth.not_authenticated` (the session expired or is unknown) on a device that was logged in: log in again
 *   once through wx.login and repeat the call. `auth.session_revoked` (logged out from another device) is NOT
 *   silently undone: the token is dropped and the listeners are told (the page shows why and offers login).
 */
const config = require('../config')
const { ENDPOINTS } = require('./endpoints')
const { forgetAll } = require('./offline')

/** @typedef {import('../../pwa/src/api/schema').components['schemas']} Schemas */
/** @typedef {Schemas['Problem']} Problem */
/** @typedef {import('./endpoints').EndpointName} EndpointName */

const TOKEN_KEY = 'yiwang.token'
const API_PREFIX = '/api/v1'

const MESSAGES = {
  offline: '网络连接失败，请检查网络后重试',
  unknown: '出了点问题，请稍后重试',
  wxLogin: '微信登录失败，请稍后重试',
  revoked: '您已在其他设备上被退出登录，请重新登录',
}

class ApiError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.type = problem.type
    this.title = problem.title
    this.status = problem.status
    this.detail = problem.detail
    this.code = problem.code
    this.errors = problem.errors || []
  }

  /**
   * The message for one form field, if the server named it (e.g. "body.id_number").
   * @param {string} field
   * @returns {string | undefined}
   */
  fieldMessage(field) {
    const hit = this.errors.find((e) => e.field === field || e.field.endsWith('.' + field))
    return hit ? hit.message : undefined
  }
}

/** @param {unknown} body @returns {body is Problem} */
function isProblem(body) {
  return typeof body === 'object' && body !== null && typeof (/** @type {{code?: unknown}} */ (body).code) === 'string'
}

/** @param {string} code @param {string} detail @param {number} [status] */
function localProblem(code, detail, status = 0) {
  return new ApiError({ type: 'about:blank', title: detail, status, detail, code })
}

/** @type {((error: ApiError) => void)[]} */
const problemListeners = []
/** Be told of every problem the server answers (e.g. auth.consent_required, auth.session_revoked). */
function onProblem(/** @type {(error: ApiError) => void} */ listener) {
  problemListeners.push(listener)
}

function getToken() {
  return /** @type {string} */ (wx.getStorageSync(TOKEN_KEY) || '')
}
/** @param {string} token */
function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token)
}
/** The session is gone (logged out, or ended from another device): its token and what was kept for offline use. */
function clearToken() {
  wx.removeStorageSync(TOKEN_KEY)
  forgetAll()
}

/** @param {Record<string, unknown>} query */
function queryString(query) {
  const parts = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  }
  return parts.length ? '?' + parts.join('&') : ''
}

/**
 * The URL of a declared endpoint with its path parameters filled in.
 * @param {EndpointName} name
 * @param {Record<string, string | number>} [params]
 * @param {Record<string, unknown>} [query]
 */
function urlFor(name, params = {}, query = {}) {
  const endpoint = ENDPOINTS[name]
  const allowed = 'query' in endpoint ? endpoint.query : []
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw new Error(`${name}: query parameter ${key} is not declared in utils/endpoints.js`)
  }
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, key) => {
    if (params[key] === undefined) throw new Error(`${name}: path parameter ${key} missing`)
    return encodeURIComponent(String(params[key]))
  })
  return config.apiBase + API_PREFIX + path + queryString(query)
}

function baseHeader() {
  /** @type {Record<string, string>} */
  const header = { Accept: 'application/json', 'Accept-Language': 'zh-CN' }
  const token = getToken()
  if (token) header.Authorization = `Bearer ${token}`
  return header
}

/**
 * A failed answer as an ApiError: its problem document, or a generic one when something else answered.
 * @param {number} status @param {unknown} body
 */
function failed(status, body) {
  let data = body
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data)
    } catch (_) {
      data = null
    }
  }
  const error = isProblem(data) ? new ApiError(data) : localProblem(`http.${status}`, MESSAGES.unknown, status)
  if (error.code === 'auth.session_revoked') clearToken()
  problemListeners.forEach((listener) => listener(error))
  return error
}

/**
 * wx.request as a promise; a network failure rejects with the offline ApiError.
 * @param {WechatMiniprogram.RequestOption} options
 * @returns {Promise<WechatMiniprogram.RequestSuccessCallbackResult>}
 */
function wxRequest(options) {
  return new Promise((resolve, reject) => {
    wx.request({
      ...options,
      success: resolve,
      fail: () => reject(localProblem('network.offline', MESSAGES.offline)),
    })
  })
}

/** @returns {Promise<string>} a wx.login code */
function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(localProblem('wechat.login_failed', MESSAGES.wxLogin))),
      fail: () => reject(localProblem('wechat.login_failed', MESSAGES.wxLogin)),
    })
  })
}

/**
 * wx.login, then POST /auth/wechat/miniprogram; keeps the Bearer token. `accept`: the documents agreed to on the
 * login page (empty when an earlier login already recorded them).
 * @param {Schemas['Acceptance'][]} [accept]
 * @returns {Promise<Schemas['SessionOut']>}
 */
async function login(accept = []) {
  const code = await wxLoginCode()
  const session = /** @type {Schemas['SessionOut']} */ (await call('wechatLogin', { body: { code, accept } }, false))
  if (session.token) setToken(session.token)
  return session
}

/** @type {Promise<unknown> | null} */
let relogging = null
/** One silent re-login for any number of calls that found the session expired at the same time. */
function relogin() {
  if (!relogging) {
    relogging = login().finally(() => {
      relogging = null
    })
  }
  return relogging
}

/** @param {EndpointName} name @param {ApiError} error @param {boolean} retry */
function shouldRelogin(name, error, retry) {
  const endpoint = ENDPOINTS[name]
  return retry && !('auth' in endpoint && endpoint.auth === false) && error.status === 401 && error.code === 'auth.not_authenticated' && getToken() !== ''
}

/**
 * Call a declared endpoint with JSON in and out.
 * @param {EndpointName} name
 * @param {{ params?: Record<string, string | number>, query?: Record<string, unknown>, body?: Record<string, unknown>,
 *   idempotencyKey?: string }} [options]  idempotencyKey: required by an endpoint declared `idempotent` (newKey())
 * @param {boolean} [retry] whether a 401 of an expired session may log in again once
 * @returns {Promise<unknown>}
 */
async function call(name, options = {}, retry = true) {
  const endpoint = ENDPOINTS[name]
  const declared = 'body' in endpoint ? endpoint.body : []
  for (const key of Object.keys(options.body || {})) {
    if (!declared.includes(key)) throw new Error(`${name}: body key ${key} is not declared in utils/endpoints.js`)
  }
  const header = baseHeader()
  if (options.body) header['Content-Type'] = 'application/json'
  if ('idempotent' in endpoint && endpoint.idempotent) {
    if (!options.idempotencyKey) throw new Error(`${name}: an Idempotency-Key (options.idempotencyKey, from newKey()) is required`)
    header['Idempotency-Key'] = options.idempotencyKey
  }
  const res = await wxRequest({
    url: urlFor(name, options.params, options.query),
    method: endpoint.method,
    header,
    data: options.body,
    dataType: 'json',
  })
  if (res.statusCode >= 200 && res.statusCode < 300) return res.statusCode === 204 ? undefined : res.data
  const error = failed(res.statusCode, res.data)
  if (shouldRelogin(name, error, retry)) {
    await relogin()
    return call(name, options, false)
  }
  throw error
}

/**
 * Upload one file with wx.uploadFile (multipart) to a declared upload endpoint, reporting progress 0–100.
 * @param {EndpointName} name
 * @param {{ filePath: string, fields?: Record<string, string>, params?: Record<string, string | number>,
 *   onProgress?: (percent: number) => void }} options
 * @param {boolean} [retry]
 * @returns {Promise<unknown>}
 */
async function upload(name, options, retry = true) {
  const endpoint = ENDPOINTS[name]
  if (!('upload' in endpoint)) throw new Error(`${name} is not an upload endpoint`)
  const fields = options.fields || {}
  for (const key of Object.keys(fields)) {
    if (!endpoint.upload.fields.includes(key)) throw new Error(`${name}: form field ${key} is not declared in utils/endpoints.js`)
  }
  /** @type {{ statusCode: number, data: string }} */
  const res = await new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url: urlFor(name, options.params),
      filePath: options.filePath,
      name: endpoint.upload.file,
      formData: fields,
      header: baseHeader(),
      success: resolve,
      fail: () => reject(localProblem('network.offline', MESSAGES.offline)),
    })
    const onProgress = options.onProgress
    if (onProgress && task) task.onProgressUpdate((p) => onProgress(p.progress))
  })
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data ? JSON.parse(res.data) : undefined
  const error = failed(res.statusCode, res.data)
  if (shouldRelogin(name, error, retry)) {
    await relogin()
    return upload(name, options, false)
  }
  throw error
}

/**
 * A fresh Idempotency-Key for one user action (a submit): a retry of the same action reuses it, so the server answers
 * it once. Visible ASCII, as the backend's KEY_PATTERN wants.
 */
function newKey() {
  const random = () => Math.floor(Math.random() * 0x100000000).toString(36)
  return `mp-${Date.now().toString(36)}-${random()}${random()}${random()}`
}

/**
 * Fetch a file from a declared `download` endpoint with wx.downloadFile (the Bearer header goes along, which an
 * <image src="https://…"> cannot send); resolves the temp file's path for <image src>.
 * @param {EndpointName} name
 * @param {{ params?: Record<string, string | number> }} [options]
 * @returns {Promise<string>}
 */
async function download(name, options = {}) {
  const endpoint = ENDPOINTS[name]
  if (!('download' in endpoint)) throw new Error(`${name} is not a download endpoint`)
  /** @type {{ statusCode: number, tempFilePath: string }} */
  const res = await new Promise((resolve, reject) => {
    wx.downloadFile({
      url: urlFor(name, options.params),
      header: baseHeader(),
      success: resolve,
      fail: () => reject(localProblem('network.offline', MESSAGES.offline)),
    })
  })
  if (res.statusCode === 200) return res.tempFilePath
  throw failed(res.statusCode, null) // the body went to the file: the generic message
}

/**
 * The Chinese message to show for any error a call threw.
 * @param {unknown} error
 */
function messageOf(error) {
  if (error instanceof ApiError) return error.detail || error.title || MESSAGES.unknown
  return MESSAGES.unknown
}

module.exports = {
  ApiError,
  newKey,
  MESSAGES,
  call,
  upload,
  download,
  login,
  messageOf,
  onProblem,
  getToken,
  setToken,
  clearToken,
  urlFor,
}
