// @ts-check
/**
 * Typed calls of the backend, one function per entry of utils/endpoints.js. The types come from the OpenAPI
 * document through the PWA's generated file (pwa/src/api/schema.d.ts, `cd pwa && npm run api-types`): one copy,
 * shared by both clients.
 */
const http = require('./http')

/** @typedef {import('../../pwa/src/api/schema').components['schemas']} Schemas */
/** @typedef {Schemas['Acceptance']} Acceptance */
/** @typedef {Schemas['MeOut']} Me */
/** @typedef {Schemas['DocumentOut']} DocumentRef */
/** @typedef {Schemas['ServicePage']} ServicePage */
/** @typedef {Schemas['ServiceGuide']} ServiceGuide */

/**
 * @template T
 * @param {Promise<unknown>} promise
 * @returns {Promise<T>}
 */
const as = (promise) => /** @type {Promise<T>} */ (promise)

const api = {
  /** wx.login → session; `accept`: the terms and privacy versions agreed to on the login page. */
  login: (/** @type {Acceptance[]} */ accept) => http.login(accept),
  /** @returns {Promise<Schemas['OkOut']>} */
  logout: () => as(http.call('logout')),
  /** @returns {Promise<Me>} */
  me: () => as(http.call('me')),
  /** @returns {Promise<Me>} */
  agree: (/** @type {Acceptance[]} */ accept) => as(http.call('agree', { body: { accept } })),
  /** @returns {Promise<Me>} */
  bindIdentity: (/** @type {string} */ name, /** @type {string} */ idNumber, /** @type {Acceptance[]} */ accept) =>
    as(http.call('bindIdentity', { body: { name, id_number: idNumber, accept } })),
  /** getPhoneNumber button code → the verified person's phone (answered masked). @returns {Promise<Schemas['PhoneOut']>} */
  bindWechatPhone: (/** @type {string} */ code) => as(http.call('bindWechatPhone', { body: { code } })),

  /** @returns {Promise<Schemas['DocumentsOut']>} */
  documents: () => as(http.call('documents')),
  /** @returns {Promise<Schemas['DocumentTextOut']>} */
  document: (/** @type {string} */ name) => as(http.call('document', { params: { document: name } })),

  /**
   * @param {{ q?: string, department?: string, page?: number, page_size?: number }} query
   * @returns {Promise<ServicePage>}
   */
  services: (query) => as(http.call('services', { query })),
  /** @returns {Promise<ServiceGuide>} */
  guide: (/** @type {string} */ code) => as(http.call('guide', { params: { code } })),
  /** @returns {Promise<Schemas['DepartmentList']>} */
  departments: () => as(http.call('departments')),

  /**
   * One photo from wx.chooseMedia, with upload progress (0–100).
   * @param {string} filePath @param {string} kind @param {(percent: number) => void} [onProgress]
   * @returns {Promise<Schemas['MaterialOut']>}
   */
  uploadMaterial: (filePath, kind, onProgress) => as(http.upload('uploadMaterial', { filePath, fields: { kind }, onProgress })),

  /**
   * What wx.requestSubscribeMessage answered (template id → accept | reject | ban | filter).
   * @param {Record<string, 'accept' | 'reject' | 'ban' | 'filter'>} results
   * @returns {Promise<Schemas['WeChatCredits']>}
   */
  wechatSubscriptions: (results) => as(http.call('wechatSubscriptions', { body: { results } })),

  // ---- 证照寄递 and 消息 (pages/delivery, pages/inbox) ----
  /** @returns {Promise<Schemas['ApplicationOut']>} */
  deliveryCase: (/** @type {number} */ id) => as(http.call('deliveryCase', { params: { application_id: id } })),
  /** @returns {Promise<Schemas['AddressList']>} */
  addresses: () => as(http.call('addresses')),
  /** The case's delivery card (404 delivery.not_found: none asked yet). @returns {Promise<Schemas['DeliveryCardOut']>} */
  caseDelivery: (/** @type {number} */ id) => as(http.call('caseDelivery', { params: { application_id: id } })),
  /**
   * 申请邮寄; `key`: one Idempotency-Key per filled-in form (a retried tap is the same request).
   * @param {Partial<Schemas['DeliveryCreate']> & { application_id: number }} body @param {string} key
   * @returns {Promise<Schemas['DeliveryCardOut']>}
   */
  requestDelivery: (body, key) => as(http.call('requestDelivery', { body, key })),
  /** @returns {Promise<Schemas['DeliveryCardOut']>} */
  cancelDelivery: (/** @type {number} */ id) => as(http.call('cancelDelivery', { params: { delivery_id: id } })),
  /** The proof photo as a local temp file (for <image src>). @returns {Promise<string>} */
  proofPhoto: (/** @type {number} */ id) => http.download('proofPhoto', { params: { delivery_id: id } }),
  /** Newest first; `before`: the page's next_before. @returns {Promise<Schemas['NotificationPage']>} */
  notifications: (/** @type {number | null} */ before, limit = 20) =>
    as(http.call('notifications', { query: { before: before || undefined, limit } })),
  /** @returns {Promise<Schemas['UnreadOut']>} */
  unreadCount: () => as(http.call('unreadCount')),
  /** @returns {Promise<void>} */
  markRead: (/** @type {number} */ id) => as(http.call('markRead', { params: { notification_id: id } })),
  /** @returns {Promise<Schemas['MarkedOut']>} */
  markAllRead: () => as(http.call('markAllRead')),
}

module.exports = { api }
