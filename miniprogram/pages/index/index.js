// @ts-check
/**
 * Home (首页): entries to 办事 / 我的办件 / 预约 / 消息, the large-text switch, login when not logged in.
 * It is also YIWANG_WECHAT_PAGE, the page a subscribe message opens: `?path=<url-quoted PWA path>` (e.g.
 * %2Fcases%2F123) opens the matching page (utils/links.js), with home below it for 返回.
 */
const pageBehavior = require('../../behaviors/page')
const { ApiError, clearToken, getToken, messageOf } = require('../../utils/http')
const { api } = require('../../utils/api')
const { pageFor } = require('../../utils/links')
const { setLargeText } = require('../../utils/largeText')

const ENTRIES = [
  { key: 'services', text: '办事', icon: 'apps-o', page: '/pages/services/services' },
  { key: 'cases', text: '我的办件', icon: 'orders-o', page: '/pages/cases/cases' },
  { key: 'appointments', text: '预约', icon: 'calendar-o', page: '/pages/appointments/appointments' },
  { key: 'inbox', text: '消息', icon: 'bell', page: '/pages/inbox/inbox' },
]
// Pages anyone may open; the others show personal data: before a login, the login page first, then them.
const PUBLIC = ['/pages/services/services', '/pages/guide/guide']

Component({
  behaviors: [pageBehavior],
  data: { entries: ENTRIES, loggedIn: false },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    onLoad(query) {
      const target = pageFor(query.path)
      if (target) this.go(target)
    },
    onShow() {
      this.setData({ loggedIn: getToken() !== '' })
    },
    /** @param {string} url */
    go(url) {
      const bare = url.split('?')[0]
      if (!PUBLIC.includes(bare) && getToken() === '') wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent(url)}` })
      else wx.navigateTo({ url })
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    open(event) {
      this.go(event.currentTarget.dataset.page)
    },
    login() {
      wx.navigateTo({ url: '/pages/login/login' })
    },
    /** 退出登录 after a question: the session ends on the server, and nothing of this person stays on the phone. */
    async logout() {
      const { confirm } = await new Promise((resolve) =>
        wx.showModal({
          title: '退出登录',
          content: '退出后，这台手机上保存的办件信息会一并清除。下次使用时用微信重新登录即可。',
          confirmText: '退出',
          cancelText: '不退出',
          success: resolve,
          fail: () => resolve({ confirm: false }),
        }),
      )
      if (!confirm) return
      try {
        await api.logout()
      } catch (e) {
        // Already ended (401) is what was wanted; anything else: say so and stay logged in.
        if (!(e instanceof ApiError && e.status === 401)) {
          wx.showToast({ title: messageOf(e), icon: 'none' })
          return
        }
      }
      clearToken()
      this.setData({ loggedIn: false })
      wx.showToast({ title: '已退出登录', icon: 'success' })
    },
    /** @param {WechatMiniprogram.CustomEvent<boolean>} event */
    onLargeText(event) {
      setLargeText(event.detail)
      this.setData({ largeText: event.detail })
      wx.showToast({ title: event.detail ? '已开启大字模式' : '已关闭大字模式', icon: 'none' })
    },
  },
})
