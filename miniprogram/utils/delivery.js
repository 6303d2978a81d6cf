// @ts-check
/**
 * 证照寄递 for the delivery page: the card as shown (the same states and labels as the PWA's DeliveryCard.vue; the
 * status label comes from the server), the form's checks and the body of POST /deliveries.
 */

/** @typedef {import('../../pwa/src/api/schema').components['schemas']} Schemas */
/** @typedef {Schemas['DeliveryCardOut']} DeliveryCard */
/** @typedef {Schemas['AddressOut']} SavedAddress */

/** Case statuses in which a delivery may be asked for (backend/delivery/service.py REQUESTABLE; the server decides). */
const REQUESTABLE = ['submitted', 'correction_requested', 'accepted', 'approved', 'certificate_issued']

/** The parcel's way, in order (backend/delivery/flows.py), with the PWA's labels. */
const STEPS = [
  { status: 'requested', label: '已申请邮寄' },
  { status: 'waybill_created', label: '已下单' },
  { status: 'picked_up', label: '已揽收' },
  { status: 'in_transit', label: '运输中' },
  { status: 'out_for_delivery', label: '派送中' },
  { status: 'delivered', label: '已签收' },
]
const OFF_PATH = ['failed_attempt', 'returned', 'unmonitored']
/** The resident may cancel until the carrier has the parcel. */
const CANCELLABLE = ['requested', 'waybill_created']
/** The pickup code is shown while the parcel is out (the server only sends it then). */
const CODE_SHOWN = ['out_for_delivery', 'failed_attempt']
const SIGNED = {
  self: () => '本人签收',
  proxy: (/** @type {Schemas['ProofOut']} */ p) => `${p.signer_name}（${p.relation}）代收`,
  locker: (/** @type {Schemas['ProofOut']} */ p) => `已投放：${p.signer_name}`,
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0')

/**
 * An ISO time as Beijing time, e.g. "11月27日 14:05" (no Intl: not every phone's JS engine has its time zones).
 * @param {string} iso
 */
function chinaTime(iso) {
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return ''
  const d = new Date(t.getTime() + 8 * 3600 * 1000)
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/**
 * The card as the page shows it.
 * @param {DeliveryCard} order
 */
function cardView(order) {
  const status = order.status
  const at = status === 'failed_attempt' ? 'out_for_delivery' : status
  let active = STEPS.findIndex((s) => s.status === at)
  if (active < 0) active = STEPS.length - 1
  const offPath = OFF_PATH.includes(status)
  const consents = [
    order.allow_proxy ? (order.proxy_name ? `允许 ${order.proxy_name} 代收` : '允许同住成年家人代收') : '',
    order.allow_locker ? '允许投柜/驿站' : '',
  ].filter(Boolean)
  const proof = order.proof
    ? { text: `${SIGNED[/** @type {'self' | 'proxy' | 'locker'} */ (order.proof.signer_kind)](order.proof)} · ${chinaTime(order.proof.at)}` }
    : null
  return {
    id: order.id,
    status,
    statusLabel: order.status_label,
    tagType: status === 'delivered' ? 'success' : offPath ? 'warning' : 'primary',
    waybill: order.waybill_no || '',
    to: `收件人：${order.recipient_name} ${order.recipient_phone}`,
    address: order.address,
    consents: consents.join('；'),
    pickupCode: order.pickup_code && CODE_SHOWN.includes(status) ? order.pickup_code : '',
    proof,
    carrierWaiting: order.carrier_waiting,
    escalated: order.escalated,
    steps: STEPS.map((s, i) => ({ ...s, done: !offPath && i <= active, current: i === active })),
    events: [...order.events]
      .sort((a, b) => b.at.localeCompare(a.at))
      .map((e) => ({ label: e.label, when: chinaTime(e.at) + (e.place ? ` · ${e.place}` : ''), text: e.text })),
    cancellable: CANCELLABLE.includes(status),
  }
}

/** @param {SavedAddress} a */
function addressLine(a) {
  return [a.province, a.city, a.district, a.street, a.detail].filter(Boolean).join('')
}

/**
 * @typedef {object} DeliveryForm
 * @property {string} choice  'new' or a saved address's id
 * @property {string} name
 * @property {string} phone
 * @property {string} province
 * @property {string} city
 * @property {string} district
 * @property {string} regionCode
 * @property {string} street
 * @property {string} detail
 * @property {boolean} saveAddress
 * @property {boolean} allowProxy
 * @property {string} proxyName
 * @property {boolean} allowLocker
 */

/**
 * The form's own checks (the server checks again and names fields in Chinese).
 * @param {DeliveryForm} f
 * @returns {Record<string, string>} field → message (empty: fine)
 */
function validate(f) {
  /** @type {Record<string, string>} */
  const e = {}
  if (f.choice === 'new') {
    if (f.name.trim().length < 2) e.recipient_name = '请填写收件人姓名'
    if (!/^1[3-9]\d{9}$/.test(f.phone.replace(/\s/g, ''))) e.recipient_phone = '请输入正确的 11 位手机号'
    if (!/^\d{6}$/.test(f.regionCode)) e.region = '请选择所在地区（省市区县）'
    if (f.detail.trim().length < 4) e.detail = '请填写详细地址'
  }
  if (f.allowProxy && f.proxyName.trim().length < 2) e.proxy_name = '请填写代收人姓名'
  return e
}

/**
 * The body of POST /deliveries.
 * @param {number} applicationId @param {DeliveryForm} f
 * @returns {Partial<Schemas['DeliveryCreate']> & { application_id: number }}
 */
function requestBody(applicationId, f) {
  const consents = { allow_proxy: f.allowProxy, proxy_name: f.allowProxy ? f.proxyName.trim() : '', allow_locker: f.allowLocker }
  if (f.choice !== 'new') return { application_id: applicationId, address_id: Number(f.choice), ...consents }
  return {
    application_id: applicationId,
    recipient_name: f.name.trim(),
    recipient_phone: f.phone.replace(/\s/g, ''),
    province: f.province,
    city: f.city,
    district: f.district,
    street: f.street.trim(),
    detail: f.detail.trim(),
    region_code: f.regionCode,
    save_address: f.saveAddress,
    ...consents,
  }
}

/**
 * What wx.chooseAddress answered, as the form's fields (nationalCode: the county's 6-digit division code).
 * @param {WechatMiniprogram.ChooseAddressSuccessCallbackResult} a
 */
function fromWechatAddress(a) {
  return {
    name: a.userName || '',
    phone: (a.telNumber || '').replace(/\D/g, '').slice(-11),
    province: a.provinceName || '',
    city: a.cityName || '',
    district: a.countyName || '',
    regionCode: /^\d{6}$/.test(a.nationalCode || '') ? a.nationalCode : '',
    street: a.streetName || '',
    detail: a.detailInfoNew || a.detailInfo || '',
  }
}

module.exports = { REQUESTABLE, STEPS, chinaTime, cardView, addressLine, validate, requestBody, fromWechatAddress }
