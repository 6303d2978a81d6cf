// @ts-check
/**
 * Every call the mini-program makes to the backend, in one table: method, path under /api/v1 (OpenAPI template,
 * `{name}` for a path parameter), the query parameters and JSON body keys it may send, the multipart fields of an
 * upload. utils/http.js refuses a call that is not here or sends a key not declared here, and
 * tests/contract.test.js checks each entry against /api/openapi.json — so this table is the whole surface.
 *
 * auth: false marks calls that work without a login (no silent re-login when they answer 401).
 * idempotent: true marks calls that need an Idempotency-Key header (one key per user action, reused on a retry).
 * To add a call: add an entry here, then a typed function in utils/api.js.
 */

/**
 * @typedef {'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} Method
 * @typedef {object} Endpoint
 * @property {Method} method
 * @property {string} path
 * @property {readonly string[]} [query]
 * @property {readonly string[]} [body]
 * @property {{ file: string, fields: readonly string[] }} [upload]  multipart: the file field and the other fields
 * @property {boolean} [auth]
 * @property {boolean} [idempotent]  the call needs an Idempotency-Key header (a fresh key per user action, reused on retry): http.call needs `idempotencyKey`
 * @property {boolean} [download]  a file (not JSON): fetched with http.download (wx.downloadFile) to a temp file
 */

/** @satisfies {Record<string, Endpoint>} */
const ENDPOINTS = {
  // 登录与账号 (auth/routes.py)
  wechatLogin: { method: 'POST', path: '/auth/wechat/miniprogram', body: ['code', 'accept'], auth: false },
  logout: { method: 'POST', path: '/auth/logout' },
  me: { method: 'GET', path: '/me' },
  agree: { method: 'POST', path: '/me/consents', body: ['accept'] },
  bindIdentity: { method: 'POST', path: '/me/identity', body: ['name', 'id_number', 'accept'] },
  bindWechatPhone: { method: 'POST', path: '/me/phone/wechat', body: ['code'] },
  // 协议 (auth/legal_routes.py)
  documents: { method: 'GET', path: '/legal/documents', auth: false },
  document: { method: 'GET', path: '/legal/documents/{document}', auth: false },
  // 办事指南 (backend/catalog)
  services: { method: 'GET', path: '/services', query: ['q', 'department', 'page', 'page_size'], auth: false },
  guide: { method: 'GET', path: '/services/{code}', auth: false },
  departments: { method: 'GET', path: '/departments', auth: false },
  // 材料 (backend/materials): photos go up with wx.uploadFile
  uploadMaterial: { method: 'POST', path: '/materials', upload: { file: 'file', fields: ['kind', 'expires_on'] } },
  // 订阅消息 (notifications/routes.py): what the person accepted in wx.requestSubscribeMessage
  wechatSubscriptions: { method: 'POST', path: '/me/wechat-subscriptions', body: ['results'] },

  // 申请与办件 (backend/applications/routes.py): pages/apply, pages/cases, pages/case
  prefill: { method: 'GET', path: '/services/{code}/prefill' },
  createApplication: { method: 'POST', path: '/applications', body: ['service_code', 'form'] },
  myApplications: { method: 'GET', path: '/applications' },
  application: { method: 'GET', path: '/applications/{application_id}' },
  saveForm: { method: 'PUT', path: '/applications/{application_id}/form', body: ['form'] },
  attachMaterial: { method: 'PUT', path: '/applications/{application_id}/materials/{material_key}', body: ['material_id'] },
  submitApplication: { method: 'POST', path: '/applications/{application_id}/submit', idempotent: true },
  // The photo in a slot, small (image/jpeg, Bearer: wx.downloadFile, then <image src> of the file).
  materialThumbnail: { method: 'GET', path: '/applications/{application_id}/materials/{material_id}/thumbnail', download: true },

  // 预约 (backend/appointments/routes.py): pages/appointments (mine + booking), pages/appointment (one, with its QR)
  halls: { method: 'GET', path: '/halls', query: ['lat', 'lng'], auth: false },
  hall: { method: 'GET', path: '/halls/{code}', auth: false },
  hallDays: { method: 'GET', path: '/halls/{code}/days', query: ['service'], auth: false },
  hallSlots: { method: 'GET', path: '/halls/{code}/slots', query: ['date', 'service'], auth: false },
  myAppointments: { method: 'GET', path: '/appointments' },
  appointment: { method: 'GET', path: '/appointments/{appointment_id}' },
  holdAppointment: { method: 'POST', path: '/appointments', body: ['hall_code', 'service_code', 'date', 'start', 'application_id'], idempotent: true },
  confirmAppointment: { method: 'POST', path: '/appointments/{appointment_id}/confirm' },
  acceptAppointment: { method: 'POST', path: '/appointments/{appointment_id}/accept' },
  cancelAppointment: { method: 'POST', path: '/appointments/{appointment_id}/cancel' },
  rescheduleAppointment: { method: 'POST', path: '/appointments/{appointment_id}/reschedule', body: ['date', 'start'], idempotent: true },

  // ---- 证照寄递 and 消息 (pages/delivery, pages/inbox) ----
  // 证照寄递 (backend/delivery/routes.py): saved addresses, the case's delivery card, request (Idempotency-Key), cancel.
  addresses: { method: 'GET', path: '/me/addresses' },
  caseDelivery: { method: 'GET', path: '/applications/{application_id}/delivery' },
  requestDelivery: {
    method: 'POST',
    path: '/deliveries',
    body: ['application_id', 'address_id', 'recipient_name', 'recipient_phone', 'province', 'city', 'district', 'street', 'detail',
      'region_code', 'allow_proxy', 'proxy_name', 'allow_locker', 'save_address'],
    idempotent: true,
  },
  cancelDelivery: { method: 'POST', path: '/deliveries/{delivery_id}/cancel' },
  // The courier's photo of the handed-over parcel (image/jpeg, Bearer: wx.downloadFile, then <image src> of the file).
  proofPhoto: { method: 'GET', path: '/deliveries/{delivery_id}/proof.jpg', download: true },
  // 消息 (notifications/routes.py)
  notifications: { method: 'GET', path: '/notifications', query: ['before', 'limit'] },
  unreadCount: { method: 'GET', path: '/notifications/unread-count' },
  markRead: { method: 'POST', path: '/notifications/{notification_id}/read' },
  markAllRead: { method: 'POST', path: '/notifications/read-all' },

  // ---- 预约: 候补 and 申诉 (backend/appointments/waiting_routes.py): pages/appointments, pages/appointment ----
  // A full day's waiting list (join, leave); the appeal against a no-show suspension (no Idempotency-Key: a second
  // join answers appointments.already_waiting, a second appeal appointments.not_suspended).
  joinWaiting: { method: 'POST', path: '/appointments/waiting', body: ['hall_code', 'service_code', 'date'] },
  leaveWaiting: { method: 'DELETE', path: '/appointments/waiting/{entry_id}' },
  appealSuspension: { method: 'POST', path: '/appointments/suspension/appeal', body: ['text'] },
}

/** @typedef {keyof typeof ENDPOINTS} EndpointName */

module.exports = { ENDPOINTS }
