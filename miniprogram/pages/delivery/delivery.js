// @ts-check
/**
 * 邮寄 (证照寄递) of one case: the delivery card (status from the server, the parcel's steps, the carrier's events, the
 * 签收码 while it is out, who signed and when) with 取消邮寄 while the carrier does not have it yet; or, when the
 * case may still ask for it (an item that goes by EMS, a case between submission and collection), the form:
 * a saved address or a new one (微信收货地址 fills it in), and who may sign. Before the request goes out,
 * wx.requestSubscribeMessage asks for the 证照寄递通知 (never blocking). Without signal (the courier at a door with
 * none) the card as last seen, the 签收码 included, saying when, with 重试 and no 取消邮寄. Query: id = the case's id.
 * Same states and texts as the PWA's DeliveryCard.vue / DeliveryRequest.vue.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf, newKey } = require('../../utils/http')
const { subscribe } = require('../../utils/subscribe')
const { REQUESTABLE, cardView, addressLine, validate, requestBody, fromWechatAddress } = require('../../utils/delivery')
const { keep, offlineCopy } = require('../../utils/offline')

/** @typedef {import('../../utils/delivery').DeliveryForm} DeliveryForm */
/** @typedef {import('../../utils/api').Schemas['DeliveryCardOut']} Delivery */

/** @returns {DeliveryForm} */
function emptyForm() {
  return {
    choice: 'new',
    name: '',
    phone: '',
    province: '',
    city: '',
    district: '',
    regionCode: '',
    street: '',
    detail: '',
    saveAddress: true,
    allowProxy: false,
    proxyName: '',
    allowLocker: false,
  }
}

/** One Idempotency-Key per filled-in form: a tap retried after a lost answer is the same request. */
let key = ''

Component({
  behaviors: [pageBehavior],
  data: {
    id: 0,
    /** loading | card | form | none | failed */
    state: 'loading',
    failure: '',
    /** why there is no 申请邮寄 (state none) */
    why: '',
    serviceName: '',
    card: /** @type {ReturnType<typeof cardView> | null} */ (null),
    saved: /** @type {{ id: string, who: string, line: string }[]} */ ([]),
    form: emptyForm(),
    region: '',
    errors: /** @type {Record<string, string>} */ ({}),
    busy: false,
    cancelling: false,
    /** the proof photo as a local file, once fetched */
    proofPhoto: '',
    /** set when the card shown is the copy kept on the phone (no connection): when it was fetched */
    asOf: '',
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      this.setData({ id: Number(query.id) || 0 })
      await this.load()
    },

    async load() {
      const id = this.data.id
      this.setData({ state: 'loading', failure: '' })
      try {
        const item = await api.application(id)
        const order = await api.caseDelivery(id).catch((e) => {
          if (e instanceof ApiError && e.status === 404) return null
          throw e
        })
        this.setData({ serviceName: item.service_name, asOf: '' })
        keep(`delivery:${id}`, order && order.status !== 'cancelled' ? order : null)
        if (order && order.status !== 'cancelled') {
          this.setData({ state: 'card', card: cardView(order), proofPhoto: '' })
          if (order.proof && order.proof.photo_url) {
            // The courier's photo needs the Bearer header: fetched to a temp file. Without it the card still says who signed.
            api.proofPhoto(order.id).then(
              (file) => this.setData({ proofPhoto: file }),
              () => undefined,
            )
          }
          return
        }
        const guide = await api.guide(item.service_code).catch(() => null)
        if (!guide || !guide.ems_allowed) {
          this.setData({ state: 'none', why: '这个事项的证照不能邮寄，请到大厅领取。' })
        } else if (!REQUESTABLE.includes(item.status)) {
          this.setData({ state: 'none', why: `办件提交后、证照领取前才能申请邮寄（当前：${item.status_label}）。` })
        } else {
          await this.showForm(order ? '已取消邮寄。如需邮寄，可以重新申请。' : '')
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          wx.redirectTo({ url: `/pages/login/login?next=${encodeURIComponent(`/pages/delivery/delivery?id=${id}`)}` })
          return
        }
        const copy = offlineCopy(e, `delivery:${id}`)
        if (copy) {
          // No connection: the parcel as last seen (the 签收码 for the courier at the door), saying when.
          this.setData({ state: 'card', card: cardView(/** @type {Delivery} */ (copy.value)), asOf: copy.asOf })
          return
        }
        this.setData({ state: 'failed', failure: messageOf(e) })
      }
    },

    /** @param {string} note */
    async showForm(note) {
      const list = await api.addresses().catch(() => ({ items: [] }))
      const saved = list.items.map((a) => ({ id: String(a.id), who: `${a.recipient_name} ${a.recipient_phone}`, line: addressLine(a) }))
      key = ''
      this.setData({
        state: 'form',
        why: note,
        saved,
        form: { ...emptyForm(), choice: saved.length ? saved[0].id : 'new' },
        region: '',
        errors: {},
      })
    },

    // ---- the form --------------------------------------------------------------------------------
    /** @param {string} field @param {unknown} value */
    set(field, value) {
      key = '' // a changed form is a new request
      this.setData({ [`form.${field}`]: value, [`errors.${field}`]: '' })
    },
    /** A saved address or 使用新地址 (data-choice). @param {WechatMiniprogram.BaseEvent} event */
    choose(event) {
      this.set('choice', String(event.currentTarget.dataset.choice))
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} e */
    onName(e) {
      this.set('name', e.detail)
      this.setData({ 'errors.recipient_name': '' })
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} e */
    onPhone(e) {
      this.set('phone', e.detail)
      this.setData({ 'errors.recipient_phone': '' })
    },
    /** The native region picker: names and the division codes (code[2]: the county's). @param {WechatMiniprogram.CustomEvent<{ value: string[], code: string[] }>} e */
    onRegion(e) {
      const [province = '', city = '', district = ''] = e.detail.value || []
      const code = (e.detail.code || [])[2] || ''
      key = ''
      this.setData({
        'form.province': province,
        'form.city': city,
        'form.district': district,
        'form.regionCode': code,
        region: [province, city, district].filter(Boolean).join(' / '),
        'errors.region': '',
      })
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} e */
    onStreet(e) {
      this.set('street', e.detail)
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} e */
    onDetail(e) {
      this.set('detail', e.detail)
    },
    /** @param {WechatMiniprogram.CustomEvent<boolean>} e */
    onSave(e) {
      this.set('saveAddress', e.detail)
    },
    /** @param {WechatMiniprogram.CustomEvent<boolean>} e */
    onAllowProxy(e) {
      this.set('allowProxy', e.detail)
      this.setData({ 'errors.proxy_name': '' })
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} e */
    onProxyName(e) {
      this.set('proxyName', e.detail)
      this.setData({ 'errors.proxy_name': '' })
    },
    /** @param {WechatMiniprogram.CustomEvent<boolean>} e */
    onAllowLocker(e) {
      this.set('allowLocker', e.detail)
    },

    /** 使用微信收货地址: a convenience that fills the new-address form (the person still checks and submits it). */
    wechatAddress() {
      wx.chooseAddress({
        success: (res) => {
          const a = fromWechatAddress(res)
          key = ''
          this.setData({
            form: { ...this.data.form, choice: 'new', ...a },
            region: [a.province, a.city, a.district].filter(Boolean).join(' / '),
            errors: a.regionCode ? {} : { region: '请选择所在地区（省市区县）' },
          })
        },
        fail: (err) => {
          if (/cancel/.test(err.errMsg)) return // closed the list: nothing to say
          const privacy = /privacy/.test(err.errMsg)
          wx.showToast({ title: privacy ? '未同意隐私保护指引，请手动填写地址' : '无法读取微信收货地址，请手动填写', icon: 'none' })
        },
      })
    },

    async submit() {
      if (this.data.busy) return
      const form = this.data.form
      const errors = validate(form)
      this.setData({ errors })
      if (Object.values(errors).some(Boolean)) return
      this.setData({ busy: true })
      // In the tap, before the request: WeChat only shows the subscribe dialog for a user's tap. Refusing is fine.
      await subscribe(['delivery'])
      if (!key) key = newKey()
      try {
        const order = await api.requestDelivery(requestBody(this.data.id, form), key)
        key = ''
        wx.showToast({ title: '已申请邮寄', icon: 'success' })
        this.setData({ state: 'card', card: cardView(order), why: '' })
      } catch (e) {
        if (!(e instanceof ApiError) || e.code === 'network.offline') {
          wx.showToast({ title: messageOf(e), icon: 'none' }) // the same key goes again with the next tap
          return
        }
        key = '' // the server answered: a corrected form is a new request
        /** @type {Record<string, string>} */
        const fields = {}
        for (const f of ['recipient_name', 'recipient_phone', 'detail', 'proxy_name', 'street']) {
          const m = e.fieldMessage(f)
          if (m) fields[f] = m
        }
        const region = e.fieldMessage('region_code')
        if (region) fields.region = region
        if (e.code === 'delivery.no_station') fields.region = messageOf(e)
        this.setData({ errors: fields })
        if (!Object.keys(fields).length) wx.showToast({ title: messageOf(e), icon: 'none' })
        if (e.code === 'delivery.already_requested') await this.load()
      } finally {
        this.setData({ busy: false })
      }
    },

    // ---- the card --------------------------------------------------------------------------------
    cancel() {
      const card = this.data.card
      if (!card || this.data.cancelling) return
      wx.showModal({
        title: '取消邮寄？',
        content: '取消后可以到窗口领取，或重新申请邮寄。',
        confirmText: '取消邮寄',
        confirmColor: '#ee0a24',
        cancelText: '不取消',
        success: async (res) => {
          if (!res.confirm) return
          this.setData({ cancelling: true })
          try {
            await api.cancelDelivery(card.id)
            wx.showToast({ title: '已取消邮寄', icon: 'none' })
            await this.load()
          } catch (e) {
            wx.showToast({ title: messageOf(e), icon: 'none' })
          } finally {
            this.setData({ cancelling: false })
          }
        },
      })
    },
    previewProof() {
      if (this.data.proofPhoto) wx.previewImage({ urls: [this.data.proofPhoto] })
    },
    async onPullDownRefresh() {
      await this.load()
      wx.stopPullDownRefresh()
    },
  },
})
