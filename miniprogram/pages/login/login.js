// @ts-check
/**
 * 微信登录: the resident ticks 用户协议 + 隐私政策 (never pre-ticked), wx.login → POST /auth/wechat/miniprogram with the
 * versions agreed to. Documents still required after login (a new version, the ID-number consent renewed) are
 * shown here to agree (POST /me/consents); then the real-name binding if not yet verified, else `next`.
 * Query: next = the page to open afterwards (url-encoded); consent=1 = only ask for the pending documents.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { acceptance, accepting, currentDocuments } = require('../../utils/consent')

/** @typedef {import('../../utils/api').DocumentRef} DocumentRef */

const HOME = '/pages/index/index'

Component({
  behaviors: [pageBehavior],
  data: {
    documents: /** @type {DocumentRef[]} */ ([]),
    pending: /** @type {DocumentRef[]} */ ([]),
    agreed: false,
    agreeError: '',
    error: '',
    busy: false,
    next: HOME,
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      if (query.next) this.setData({ next: decodeURIComponent(query.next) })
      try {
        if (query.consent) {
          const me = await api.me()
          this.setData({ pending: me.consent_required || [] })
          if (!me.consent_required || !me.consent_required.length) await this.proceed(me.verified)
        } else {
          this.setData({ documents: (await currentDocuments()).filter((d) => d.document !== 'id_number') })
        }
      } catch (e) {
        this.setData({ error: messageOf(e) })
      }
    },

    /** @param {WechatMiniprogram.CustomEvent<boolean>} event */
    onAgree(event) {
      this.setData({ agreed: event.detail, agreeError: event.detail ? '' : this.data.agreeError })
    },

    /** @param {WechatMiniprogram.BaseEvent} event */
    openDocument(event) {
      wx.navigateTo({ url: `/pages/legal/legal?document=${event.currentTarget.dataset.document}` })
    },

    async submit() {
      this.setData({ error: '' })
      // Nothing goes out before the resident agrees (not even the wx.login code).
      if (!this.data.agreed) {
        this.setData({ agreeError: '请先阅读并勾选同意《用户协议》和《隐私政策》' })
        return
      }
      this.setData({ busy: true })
      try {
        const session = await api.login(await acceptance('terms', 'privacy'))
        this.setData({ agreed: false })
        if (session.consent_required && session.consent_required.length) this.setData({ pending: session.consent_required })
        else await this.proceed(session.verified)
      } catch (e) {
        if (e instanceof ApiError && e.code === 'auth.document_outdated') {
          this.setData({
            agreed: false,
            documents: (await currentDocuments(true)).filter((d) => d.document !== 'id_number'),
            agreeError: '《用户协议》或《隐私政策》刚刚更新，请重新阅读并勾选同意',
          })
        } else this.setData({ error: messageOf(e) })
      } finally {
        this.setData({ busy: false })
      }
    },

    async agreePending() {
      this.setData({ busy: true, error: '' })
      try {
        const me = await api.agree(accepting(this.data.pending))
        this.setData({ pending: me.consent_required || [] })
        if (!this.data.pending.length) await this.proceed(me.verified)
      } catch (e) {
        if (e instanceof ApiError && e.code === 'auth.document_outdated') {
          const me = await api.me()
          this.setData({ pending: me.consent_required || [], error: '文件刚刚更新，请阅读新版本' })
        } else this.setData({ error: messageOf(e) })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** @param {boolean} verified */
    async proceed(verified) {
      wx.showToast({ title: '登录成功', icon: 'success' })
      if (!verified) wx.redirectTo({ url: `/pages/identity/identity?next=${encodeURIComponent(this.data.next)}` })
      else wx.reLaunch({ url: this.data.next })
    },
  },
})
