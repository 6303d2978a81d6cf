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
/** @typedef {Schemas['ApplicationOut']} Case */
/** @typedef {Schemas['AppointmentOut']} Appointment */

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

  // 申请与办件 (pages/apply, pages/cases, pages/case)
  /** Form values offered from my identity and earlier cases (一表申请). @returns {Promise<Schemas['PrefillOut']>} */
  prefill: (/** @type {string} */ code) => as(http.call('prefill', { params: { code } })),
  /**
   * A new draft of this item (201), or my open draft of it as it is (200).
   * @param {string} serviceCode @param {Record<string, unknown>} form
   * @returns {Promise<Case>}
   */
  createApplication: (serviceCode, form) => as(http.call('createApplication', { body: { service_code: serviceCode, form } })),
  /** @returns {Promise<Schemas['ApplicationList']>} */
  myApplications: () => as(http.call('myApplications')),
  /** @returns {Promise<Case>} */
  application: (/** @type {number} */ id) => as(http.call('application', { params: { application_id: id } })),
  /** Autosave (a draft, or a case awaiting corrections). @param {number} id @param {Record<string, unknown>} form @returns {Promise<Case>} */
  saveForm: (id, form) => as(http.call('saveForm', { params: { application_id: id }, body: { form } })),
  /** Put an uploaded material in a slot (replacing the one there). @param {number} id @param {string} key @param {number} materialId @returns {Promise<Case>} */
  attachMaterial: (id, key, materialId) =>
    as(http.call('attachMaterial', { params: { application_id: id, material_key: key }, body: { material_id: materialId } })),
  /** Submit (or resubmit after corrections); `key` from http.newKey(), the same for a retry. @param {number} id @param {string} key @returns {Promise<Case>} */
  submitApplication: (id, key) => as(http.call('submitApplication', { params: { application_id: id }, idempotencyKey: key })),
  /** A slot's photo, small, as a local temp file (for <image src>). @param {number} id @param {number} materialId @returns {Promise<string>} */
  materialThumbnail: (id, materialId) => http.download('materialThumbnail', { params: { application_id: id, material_id: materialId } }),

  // 预约 (pages/appointments, pages/appointment)
  /** @returns {Promise<Schemas['HallList']>} */
  halls: () => as(http.call('halls')),
  /** @returns {Promise<Schemas['HallDetail']>} */
  hall: (/** @type {string} */ code) => as(http.call('hall', { params: { code } })),
  /** The dates from tomorrow to the horizon, each bookable or with the reason why not. @returns {Promise<Schemas['DayList']>} */
  hallDays: (/** @type {string} */ code, /** @type {string} */ service) => as(http.call('hallDays', { params: { code }, query: { service } })),
  /** @returns {Promise<Schemas['SlotList']>} */
  hallSlots: (/** @type {string} */ code, /** @type {string} */ date, /** @type {string} */ service) =>
    as(http.call('hallSlots', { params: { code }, query: { date, service } })),
  /** @returns {Promise<Schemas['AppointmentList']>} */
  myAppointments: () => as(http.call('myAppointments')),
  /** @returns {Promise<Appointment>} */
  appointment: (/** @type {number} */ id) => as(http.call('appointment', { params: { appointment_id: id } })),
  /**
   * Hold a place for a few minutes (confirm it next). `key`: one Idempotency-Key per chosen slot, so a retried tap is
   * the same booking.
   * @param {{ hall_code: string, service_code: string, date: string, start: string }} body @param {string} key
   * @returns {Promise<Appointment>}
   */
  holdAppointment: (body, key) => as(http.call('holdAppointment', { body, idempotencyKey: key })),
  /** @returns {Promise<Appointment>} */
  confirmAppointment: (/** @type {number} */ id) => as(http.call('confirmAppointment', { params: { appointment_id: id } })),
  /** A place offered from the waiting list. @returns {Promise<Appointment>} */
  acceptAppointment: (/** @type {number} */ id) => as(http.call('acceptAppointment', { params: { appointment_id: id } })),
  /** @returns {Promise<Appointment>} */
  cancelAppointment: (/** @type {number} */ id) => as(http.call('cancelAppointment', { params: { appointment_id: id } })),
  /** @param {number} id @param {{ date: string, start: string }} body @param {string} key @returns {Promise<Appointment>} */
  rescheduleAppointment: (id, body, key) =>
    as(http.call('rescheduleAppointment', { params: { appointment_id: id }, body, idempotencyKey: key })),

  // ---- 证照寄递 and 消息 (pages/delivery, pages/inbox) ----
  /** @returns {Promise<Schemas['AddressList']>} */
  addresses: () => as(http.call('addresses')),
  /** The case's delivery card (404 delivery.not_found: none asked yet). @returns {Promise<Schemas['DeliveryCardOut']>} */
  caseDelivery: (/** @type {number} */ id) => as(http.call('caseDelivery', { params: { application_id: id } })),
  /**
   * 申请邮寄; `key`: one Idempotency-Key per filled-in form (a retried tap is the same request).
   * @param {Partial<Schemas['DeliveryCreate']> & { application_id: number }} body @param {string} key
   * @returns {Promise<Schemas['DeliveryCardOut']>}
   */
  requestDelivery: (body, key) => as(http.call('requestDelivery', { body, idempotencyKey: key })),
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

  // ---- 预约: 候补 and 申诉 (pages/appointments, pages/appointment) ----
  /**
   * Join the waiting list of a full day (my place in the line comes back).
   * @param {{ hall_code: string, service_code: string, date: string }} body
   * @returns {Promise<Schemas['WaitingOut']>}
   */
  joinWaiting: (body) => as(http.call('joinWaiting', { body })),
  /** Leave a waiting list (an offered place goes to the next in line). @returns {Promise<Schemas['WaitingOut']>} */
  leaveWaiting: (/** @type {number} */ id) => as(http.call('leaveWaiting', { params: { entry_id: id } })),
  /** Appeal against my no-show suspension in writing (staff lift it or refuse). @returns {Promise<Schemas['SuspensionOut']>} */
  appealSuspension: (/** @type {string} */ text) => as(http.call('appealSuspension', { body: { text } })),
}

module.exports = { api }
