// @ts-check
/**
 * 实名认证: name + ID number with the separate consent to processing the ID number (PIPL art. 28–29, never pre-ticked)
 * → POST /me/identity. Then the getPhoneNumber button binds the WeChat phone (POST /me/phone/wechat), and `next`.
 * Query: next = the page to open afterwards (url-encoded).
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { acceptance, currentDocuments } = require('../../utils/consent')

const HOME = '/pages/index/index'

Component({
  behaviors: [pageBehavior],
  data: {
    name: '',
    idNumber: '',
    agreed: false,
    errors: /** @type {{ name?: string, id_number?: string, consent?: string }} */ ({}),
    error: '',
    busy: false,
    done: false,
    assurance: '',
    phone: '',
    next: HOME,
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    onLoad(query) {
      if (query.next) this.setData({ next: decodeURIComponent(query.next) })
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} event */
    onName(event) {
      this.setData({ name: event.detail })
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} event */
    onIdNumber(event) {
      this.setData({ idNumber: event.detail })
    },
    /** @param {WechatMiniprogram.CustomEvent<boolean>} event */
    onAgree(event) {
      this.setData({ agreed: event.detail, 'errors.consent': event.detail ? '' : this.data.errors.consent })
    },
    openConsent() {
      wx.navigateTo({ url: '/pages/legal/legal?document=id_number' })
    },

    async submit() {
      const name = this.data.name.trim()
      const idNumber = this.data.idNumber.trim().toUpperCase()
      /** @type {{ name?: string, id_number?: string, consent?: string }} */
      const errors = {}
      if (!name) errors.name = '此项必填'
      if (!idNumber) errors.id_number = '此项必填'
      if (!this.data.agreed) errors.consent = '请阅读并勾选同意处理您的身份证号码'
      this.setData({ errors, error: '' })
      if (errors.name || errors.id_number || errors.consent) return
      this.setData({ busy: true })
      try {
        const me = await api.bindIdentity(name, idNumber, await acceptance('id_number'))
        this.setData({ done: true, assurance: me.assurance, phone: me.phone || '', name: '', idNumber: '', agreed: false })
      } catch (e) {
        if (e instanceof ApiError && (e.code === 'auth.document_outdated' || e.code === 'auth.id_number_consent_required')) {
          await currentDocuments(true).catch(() => undefined)
          this.setData({ agreed: false, errors: { consent: '《身份证号码处理单独同意书》已更新，请重新阅读并勾选同意' } })
        } else if (e instanceof ApiError && (e.fieldMessage('name') || e.fieldMessage('id_number'))) {
          this.setData({ errors: { name: e.fieldMessage('name'), id_number: e.fieldMessage('id_number') } })
        } else {
          this.setData({ error: messageOf(e) })
          if (e instanceof ApiError && e.status === 401) {
            wx.redirectTo({ url: `/pages/login/login?next=${encodeURIComponent('/pages/identity/identity')}` })
          }
        }
      } finally {
        this.setData({ busy: false })
      }
    },

    /** The getPhoneNumber button: WeChat hands a one-time code when the person allows (none when refused). */
    /** @param {WechatMiniprogram.CustomEvent<{ code?: string, errMsg: string }>} event */
    async onPhoneNumber(event) {
      const code = event.detail && event.detail.code
      if (!code) {
        wx.showToast({ title: '未授权手机号，可稍后在办事时填写', icon: 'none' })
        return
      }
      try {
        const { phone } = await api.bindWechatPhone(code)
        this.setData({ phone })
        wx.showToast({ title: '手机号已绑定', icon: 'success' })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' })
      }
    },

    proceed() {
      wx.reLaunch({ url: this.data.next })
    },
  },
})
