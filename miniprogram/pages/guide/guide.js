// @ts-check
/**
 * 办事指南 of one service (GET /services/{code}): basics, conditions, materials, places, steps, result.
 * Query: code. 在线申请 opens /pages/apply/apply?code= (a draft is started there; login and 实名认证 first if needed).
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, getToken, messageOf } = require('../../utils/http')
const { guideView } = require('../../utils/catalog')

Component({
  behaviors: [pageBehavior],
  data: {
    guide: /** @type {ReturnType<typeof guideView> | null} */ (null),
    error: '',
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      try {
        const guide = guideView(await api.guide(decodeURIComponent(query.code || '')))
        this.setData({ guide })
        wx.setNavigationBarTitle({ title: guide.name })
      } catch (e) {
        this.setData({ error: e instanceof ApiError && e.status === 404 ? '该事项不存在或已下线' : messageOf(e) })
      }
    },
    /** 在线申请: the apply page starts (or continues) the draft; without a login, the login page first. */
    apply() {
      const guide = this.data.guide
      if (guide) this.open(`/pages/apply/apply?code=${encodeURIComponent(guide.code)}`)
    },
    /** 预约办理 (items handled at the hall): booking with this item chosen; without a login, the login page first. */
    book() {
      const guide = this.data.guide
      if (guide) this.open(`/pages/appointments/appointments?book=1&service=${encodeURIComponent(guide.code)}`)
    },
    /** @param {string} url */
    open(url) {
      if (getToken() === '') wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent(url)}` })
      else wx.navigateTo({ url })
    },
  },
})
