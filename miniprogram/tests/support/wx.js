/**
 * `wx` for Node: the calls our code makes, answered for real.
 *
 * - wx.request / wx.uploadFile: real HTTP (Node's http module) to the backend the test started (BASE_URL);
 *   every call must be one declared in utils/endpoints.js (method + path template), or it is refused.
 * - wx.login: a one-time code from the fake WeChat server (POST {WECHAT_URL}/_fake/login-code, tests/fakes/wechat.py)
 *   for this device's WeChat user (`openid`), which the backend exchanges through jscode2session.
 *   `state.openid` is read at each wx.login: a test may set it (`device.openid = …`) to be a WeChat user the backend
 *   fixture prepared (appeal.test.js: SUSPENDED_OPENID, a resident suspended for no-shows).
 * - wx.requestSubscribeMessage: the user's answer (accept unless told otherwise), given to the fake as consent
 *   (/_fake/subscribe-accept), so a later subscribeMessage.send has a credit the way it would on WeChat.
 * - wx.chooseMedia: a real JPEG file (photoPath) as the temp file.
 * - wx.downloadFile: the same real HTTP (declared calls only), the answer written to a temp file.
 * - `state.offline` (no signal): wx.request, uploadFile and downloadFile fail with WeChat's `…:fail net::…` message.
 * - wx.chooseAddress: `state.address` (a WeChat 收货地址) or a cancel when none is set.
 * - privacy (base library ≥ 2.32.3, "__usePrivacyCheck__"): while `state.privacy.agreed` is false, chooseAddress,
 *   chooseMedia and requirePrivacyAuthorize wait on the listener of wx.onNeedPrivacyAuthorization (the last one
 *   registered, as the page in front registers it) and go on after resolve({event:'agree', buttonId}) or fail with
 *   "privacy permission is not authorized" after disagree; without a listener they fail. `needPrivacy(referrer)`
 *   raises the event for a component such as the getPhoneNumber button. Agreed by default (a user who agreed before).
 * - storage in memory; toasts, modals and navigations recorded for the test to read; `state.modalAnswers` (a queue
 *   of true/false) answers the next modals' confirm (default: confirm).
 * Anything else falls through to miniprogram-simulate's inert mocks (system info, selector queries …).
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const http = require('http')
const crypto = require('crypto')
const { URL } = require('url')
const { ENDPOINTS } = require('../../utils/endpoints')

/** @param {string} method @param {string} pathname */
function declared(method, pathname) {
  return Object.entries(ENDPOINTS).find(([, e]) => {
    if (e.method !== method) return false
    const pattern = new RegExp('^/api/v1' + e.path.replace(/\{\w+\}/g, '[^/]+') + '$')
    return pattern.test(pathname)
  })
}

/**
 * @param {string} url @param {{ method?: string, headers?: Record<string, string>, body?: Buffer | string,
 *   onProgress?: (sent: number, total: number) => void }} options
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string, raw: Buffer }>}
 */
function httpRequest(url, { method = 'GET', headers = {}, body, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body)
    if (data) headers = { ...headers, 'Content-Length': String(data.length) }
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        resolve({ status: res.statusCode || 0, headers: res.headers, body: raw.toString('utf-8'), raw })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (!data) return req.end()
    // In slices, so an upload reports progress as it goes out.
    const slice = Math.max(16 * 1024, Math.ceil(data.length / 8))
    let sent = 0
    const next = () => {
      if (sent >= data.length) return req.end()
      const part = data.subarray(sent, sent + slice)
      sent += part.length
      req.write(part, () => {
        if (onProgress) onProgress(sent, data.length)
        next()
      })
    }
    next()
  })
}

/** Call success/fail/complete like WeChat, and answer a promise when no callback was given. */
function settle(options, work) {
  const promise = work().then(
    (res) => {
      if (options.success) options.success(res)
      if (options.complete) options.complete(res)
      return res
    },
    (err) => {
      const res = { errMsg: err.errMsg || String(err.message || err) }
      if (options.fail) options.fail(res)
      if (options.complete) options.complete(res)
      if (!options.fail && !options.complete && !options.success) throw res
      return undefined
    },
  )
  if (!options.success && !options.fail && !options.complete) return promise
  promise.catch(() => undefined)
  return undefined
}

/**
 * @param {{ wechatUrl: string, openid?: string, photoPath?: string }} setup
 */
function createWx(setup) {
  const state = {
    openid: setup.openid || 'o' + crypto.randomBytes(14).toString('base64url'),
    storage: new Map(),
    toasts: [],
    modals: [],
    navigations: [],
    requests: [],
    /** template id → what the user answers in wx.requestSubscribeMessage */
    subscribeAnswers: {},
    photoPath: setup.photoPath,
    errors: [],
    /** @type {boolean[]} */
    modalAnswers: [],
    /** what wx.chooseAddress answers (null: the person closes the list) */
    address: null,
    privacy: {
      agreed: true,
      listener: null,
      /** what the pages reported: exposureAuthorization, agree, disagree (in order) */
      events: [],
      referrers: [],
      contractOpened: 0,
      contractName: '《一网通办小程序隐私保护指引》',
    },
    pullDownStopped: 0,
    /** temp files written by wx.downloadFile */
    downloads: [],
    /** no network (aeroplane mode, no signal): wx.request, uploadFile and downloadFile fail as WeChat fails them */
    offline: false,
  }

  /** A privacy API: go on at once when agreed, else wait for the page's answer to onNeedPrivacyAuthorization. */
  function privacyGate(referrer) {
    const privacy = state.privacy
    if (privacy.agreed) return Promise.resolve()
    privacy.referrers.push(referrer)
    if (!privacy.listener) return Promise.reject({ errMsg: `${referrer}:fail privacy permission is not authorized` })
    return new Promise((resolve, reject) => {
      let answered = false
      privacy.listener(
        (result) => {
          privacy.events.push(result.event)
          if (result.event === 'exposureAuthorization' || answered) return
          answered = true
          if (result.event === 'agree' && result.buttonId) {
            privacy.agreed = true
            resolve()
          } else {
            reject({ errMsg: `${referrer}:fail privacy permission is not authorized` })
          }
        },
        { referrer },
      )
    })
  }

  function check(method, url) {
    const u = new URL(url)
    if (!declared(method, u.pathname)) {
      const error = new Error(`${method} ${u.pathname} is not declared in utils/endpoints.js`)
      state.errors.push(error)
      throw error
    }
    state.requests.push({ method, path: u.pathname, query: u.search })
  }

  async function fake(path, body) {
    const res = await httpRequest(setup.wechatUrl + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (res.status !== 200) throw new Error(`fake WeChat ${path}: ${res.status} ${res.body}`)
    return JSON.parse(res.body)
  }

  const wx = {
    request(options) {
      const method = (options.method || 'GET').toUpperCase()
      check(method, options.url)
      const headers = { ...(options.header || {}) }
      let body
      if (options.data !== undefined && method !== 'GET') {
        body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data)
      }
      settle(options, async () => {
        if (state.offline) throw { errMsg: `request:fail net::ERR_INTERNET_DISCONNECTED` }
        let res
        try {
          res = await httpRequest(options.url, { method, headers, body })
        } catch (e) {
          throw { errMsg: `request:fail ${e.message}` }
        }
        let data = res.body
        if ((options.dataType || 'json') === 'json') {
          try {
            data = JSON.parse(res.body)
          } catch (_) {
            /* WeChat hands over the text when it is not JSON */
          }
        }
        return { data, statusCode: res.status, header: res.headers, cookies: [], errMsg: 'request:ok' }
      })
      return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} }
    },

    uploadFile(options) {
      check('POST', options.url)
      const listeners = []
      const boundary = '----yiwang' + crypto.randomBytes(12).toString('hex')
      const parts = []
      for (const [name, value] of Object.entries(options.formData || {})) {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
      }
      const fileName = options.filePath.split('/').pop()
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${options.name}"; filename="${fileName}"\r\nContent-Type: image/jpeg\r\n\r\n`,
        ),
        fs.readFileSync(options.filePath),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      )
      const body = Buffer.concat(parts)
      settle(options, async () => {
        if (state.offline) throw { errMsg: `uploadFile:fail net::ERR_INTERNET_DISCONNECTED` }
        let res
        try {
          res = await httpRequest(options.url, {
            method: 'POST',
            headers: { ...(options.header || {}), 'Content-Type': `multipart/form-data; boundary=${boundary}` },
            body,
            onProgress: (sent, total) =>
              listeners.forEach((l) =>
                l({ progress: Math.round((sent / total) * 100), totalBytesSent: sent, totalBytesExpectedToSend: total }),
              ),
          })
        } catch (e) {
          throw { errMsg: `uploadFile:fail ${e.message}` }
        }
        return { data: res.body, statusCode: res.status, errMsg: 'uploadFile:ok' }
      })
      return { abort() {}, onProgressUpdate: (l) => listeners.push(l), offProgressUpdate() {} }
    },

    downloadFile(options) {
      check('GET', options.url)
      settle(options, async () => {
        if (state.offline) throw { errMsg: `downloadFile:fail net::ERR_INTERNET_DISCONNECTED` }
        let res
        try {
          res = await httpRequest(options.url, { method: 'GET', headers: { ...(options.header || {}) } })
        } catch (e) {
          throw { errMsg: `downloadFile:fail ${e.message}` }
        }
        const tempFilePath = path.join(os.tmpdir(), `wxfile-${crypto.randomBytes(8).toString('hex')}`)
        fs.writeFileSync(tempFilePath, res.raw)
        state.downloads.push(tempFilePath)
        return { tempFilePath, statusCode: res.status, errMsg: 'downloadFile:ok' }
      })
      return { abort() {}, onProgressUpdate() {}, offProgressUpdate() {} }
    },

    login(options = {}) {
      return settle(options, async () => {
        const { code } = await fake('/_fake/login-code', { openid: state.openid })
        return { code, errMsg: 'login:ok' }
      })
    },

    requestSubscribeMessage(options) {
      return settle(options, async () => {
        const res = { errMsg: 'requestSubscribeMessage:ok' }
        for (const id of options.tmplIds) {
          const answer = state.subscribeAnswers[id] || 'accept'
          if (answer === 'accept') await fake('/_fake/subscribe-accept', { openid: state.openid, template_id: id })
          res[id] = answer
        }
        return res
      })
    },

    chooseMedia(options = {}) {
      return settle(options, async () => {
        await privacyGate('chooseMedia')
        if (!state.photoPath) throw { errMsg: 'chooseMedia:fail cancel' }
        const size = fs.statSync(state.photoPath).size
        return { type: 'image', errMsg: 'chooseMedia:ok', tempFiles: [{ tempFilePath: state.photoPath, size, fileType: 'image' }] }
      })
    },

    chooseAddress(options = {}) {
      return settle(options, async () => {
        await privacyGate('chooseAddress')
        if (!state.address) throw { errMsg: 'chooseAddress:fail cancel' }
        return { ...state.address, errMsg: 'chooseAddress:ok' }
      })
    },
    onNeedPrivacyAuthorization(listener) {
      state.privacy.listener = listener
    },
    requirePrivacyAuthorize(options = {}) {
      return settle(options, async () => {
        await privacyGate('requirePrivacyAuthorize')
        return { errMsg: 'requirePrivacyAuthorize:ok' }
      })
    },
    getPrivacySetting(options = {}) {
      return settle(options, async () => ({
        needAuthorization: !state.privacy.agreed,
        privacyContractName: state.privacy.contractName,
        errMsg: 'getPrivacySetting:ok',
      }))
    },
    openPrivacyContract(options = {}) {
      state.privacy.contractOpened++
      return settle(options, async () => ({ errMsg: 'openPrivacyContract:ok' }))
    },
    stopPullDownRefresh(options = {}) {
      state.pullDownStopped++
      return settle(options, async () => ({ errMsg: 'stopPullDownRefresh:ok' }))
    },

    getStorageSync: (key) => (state.storage.has(key) ? state.storage.get(key) : ''),
    setStorageSync: (key, value) => void state.storage.set(key, value),
    removeStorageSync: (key) => void state.storage.delete(key),
    clearStorageSync: () => state.storage.clear(),

    showToast(options) {
      state.toasts.push(options.title)
      return settle(options, async () => ({ errMsg: 'showToast:ok' }))
    },
    showModal(options) {
      state.modals.push({ title: options.title, content: options.content })
      const confirm = state.modalAnswers.length ? state.modalAnswers.shift() : true
      return settle(options, async () => ({ confirm, cancel: !confirm, errMsg: 'showModal:ok' }))
    },
    showLoading: (options = {}) => settle(options, async () => ({ errMsg: 'showLoading:ok' })),
    hideLoading: (options = {}) => settle(options, async () => ({ errMsg: 'hideLoading:ok' })),

    navigateTo: (options) => navigation('navigateTo', options),
    redirectTo: (options) => navigation('redirectTo', options),
    reLaunch: (options) => navigation('reLaunch', options),
    switchTab: (options) => navigation('switchTab', options),
    navigateBack: (options = {}) => navigation('navigateBack', { ...options, url: '' }),
    setNavigationBarTitle: (options) => settle(options, async () => ({ errMsg: 'setNavigationBarTitle:ok' })),
  }

  function navigation(kind, options) {
    state.navigations.push({ kind, url: options.url })
    return settle(options, async () => ({ errMsg: `${kind}:ok` }))
  }

  /** Raise the need-authorization event for a privacy component (e.g. 'button.getPhoneNumber'): 'agree' | 'disagree'. */
  state.needPrivacy = (referrer) =>
    privacyGate(referrer).then(
      () => 'agree',
      () => 'disagree',
    )

  return { wx, state }
}

module.exports = { createWx, httpRequest, declared }
