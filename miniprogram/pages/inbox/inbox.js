// @ts-check
/**
 * 消息: the inbox (GET /notifications, newest first, 20 at a time), the unread count, 全部已读, and each message
 * opening its page: the notice's link is a PWA path (/cases/12, /cases/12/delivery, /appointments/3 …), mapped to
 * the mini-program page by utils/links.js (a link we have no page for just marks it read). Same states as the PWA's
 * Inbox.vue: login first, real-name first, empty (says what will come here), failed (retry).
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { pageFor } = require('../../utils/links')
const { chinaTime } = require('../../utils/delivery')

/** @typedef {import('../../../pwa/src/api/schema').components['schemas']['NotificationOut']} Notification */
/** @typedef {{ id: number, title: string, body: string, when: string, unread: boolean, page: string }} Row */

/** @param {Notification} n @returns {Row} */
function row(n) {
  return { id: n.id, title: n.title, body: n.body, when: chinaTime(n.created_at), unread: !n.read_at, page: pageFor(n.link || '') || '' }
}

Component({
  behaviors: [pageBehavior],
  data: {
    items: /** @type {Row[]} */ ([]),
    unread: 0,
    next: /** @type {number | null} */ (null),
    /** loading | ready | failed | login | verify */
    state: 'loading',
    failure: '',
    more: false,
  },
  methods: {
    onLoad() {
      return this.refresh()
    },
    /** Back from a message's page: counts may have changed. */
    onShow() {
      if (this.data.state === 'ready') return this.refresh()
      return undefined
    },
    async refresh() {
      try {
        const [page, count] = await Promise.all([api.notifications(null), api.unreadCount()])
        this.setData({ items: page.items.map(row), next: page.next_before ?? null, unread: count.unread, state: 'ready' })
      } catch (e) {
        this.failed(e)
      }
    },
    /** @param {unknown} e */
    failed(e) {
      if (e instanceof ApiError && e.status === 401) this.setData({ state: 'login' })
      else if (e instanceof ApiError && e.code === 'auth.identity_required') this.setData({ state: 'verify' })
      else this.setData({ state: 'failed', failure: messageOf(e) })
    },
    async onReachBottom() {
      const before = this.data.next
      if (before === null || this.data.more) return
      this.setData({ more: true })
      try {
        const page = await api.notifications(before)
        const seen = new Set(this.data.items.map((n) => n.id))
        this.setData({ items: [...this.data.items, ...page.items.map(row).filter((n) => !seen.has(n.id))], next: page.next_before ?? null })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' })
      } finally {
        this.setData({ more: false })
      }
    },
    async onPullDownRefresh() {
      await this.refresh()
      wx.stopPullDownRefresh()
    },
    /** Tap on a message: mark it read (still open it if that fails), then its page. @param {WechatMiniprogram.BaseEvent} event */
    async open(event) {
      const id = Number(event.currentTarget.dataset.id)
      const index = this.data.items.findIndex((n) => n.id === id)
      if (index < 0) return
      const n = this.data.items[index]
      if (n.unread) {
        try {
          await api.markRead(id)
          this.setData({ [`items[${index}].unread`]: false, unread: Math.max(0, this.data.unread - 1) })
        } catch (_) {
          /* reading matters more than the mark */
        }
      }
      if (n.page) wx.navigateTo({ url: n.page })
    },
    async readAll() {
      try {
        await api.markAllRead()
        this.setData({ items: this.data.items.map((n) => ({ ...n, unread: false })), unread: 0 })
        wx.showToast({ title: '已全部标为已读', icon: 'none' })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' })
      }
    },
    login() {
      wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent('/pages/inbox/inbox')}` })
    },
    verify() {
      wx.navigateTo({ url: `/pages/identity/identity?next=${encodeURIComponent('/pages/inbox/inbox')}` })
    },
  },
})
