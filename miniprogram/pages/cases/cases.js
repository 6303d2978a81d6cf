// @ts-check
/**
 * 我的办件 (as the PWA's Progress.vue): my cases, newest first, with the status in the server's words; an empty list
 * says how to start (办事 → 办事指南 → 在线申请); not logged in or not verified: the way there.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { listItem } = require('../../utils/cases')
const { keep, offlineCopy } = require('../../utils/offline')

/** @typedef {import('../../utils/api').Schemas['ApplicationList']} CaseList */

const HERE = '/pages/cases/cases'

Component({
  behaviors: [pageBehavior],
  data: {
    state: /** @type {'loading' | 'ready' | 'login' | 'identity' | 'failed'} */ ('loading'),
    items: /** @type {ReturnType<typeof listItem>[]} */ ([]),
    error: '',
    /** set when the list shown is the one kept on the phone (no connection): when it was fetched */
    asOf: '',
  },
  methods: {
    onShow() {
      return this.load() // back from a case or an application: statuses may have moved
    },
    async load() {
      try {
        const list = await api.myApplications()
        keep('cases', list)
        this.setData({ items: list.items.map(listItem), state: 'ready', error: '', asOf: '' })
      } catch (e) {
        const copy = offlineCopy(e, 'cases')
        if (e instanceof ApiError && e.status === 401) this.setData({ state: 'login' })
        else if (e instanceof ApiError && e.code === 'auth.identity_required') this.setData({ state: 'identity' })
        else if (copy) {
          // No connection: the list as it was last seen, saying when, with 重试.
          const list = /** @type {CaseList} */ (copy.value)
          this.setData({ items: list.items.map(listItem), state: 'ready', error: '', asOf: copy.asOf })
        } else if (this.data.state !== 'ready') this.setData({ state: 'failed', error: messageOf(e) })
      }
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    open(event) {
      wx.navigateTo({ url: `/pages/case/case?id=${event.currentTarget.dataset.id}` })
    },
    services() {
      wx.navigateTo({ url: '/pages/services/services' })
    },
    login() {
      wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent(HERE)}` })
    },
    identity() {
      wx.navigateTo({ url: `/pages/identity/identity?next=${encodeURIComponent(HERE)}` })
    },
  },
})
