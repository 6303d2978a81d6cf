// @ts-check
/**
 * 办件进度 of one case (as the PWA's CaseView.vue): the service, tracking number, status in the server's words and the
 * promised date; what the clerk asked to correct (补正) with the way to do it; the timeline like a parcel's (newest
 * first); the pages of its delivery (邮寄) and of the appointments booked for it. Reloaded each time it shows.
 * Query: id = the case.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { caseView } = require('../../utils/cases')
const { keep, offlineCopy } = require('../../utils/offline')

/** @typedef {import('../../utils/api').Case} Case */

Component({
  behaviors: [pageBehavior],
  data: {
    id: 0,
    item: /** @type {ReturnType<typeof caseView> | null} */ (null),
    emsAllowed: false,
    failure: '',
    /** set when the case shown is the copy kept on the phone (no connection): when it was fetched */
    asOf: '',
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    onLoad(query) {
      this.setData({ id: Number(query.id || 0) })
    },
    onShow() {
      return this.load()
    },
    async load() {
      const id = this.data.id
      try {
        const current = await api.application(id)
        keep(`case:${id}`, current)
        const item = caseView(current)
        this.setData({ item, failure: '', asOf: '' })
        wx.setNavigationBarTitle({ title: '办件进度' })
        if (item.delivery === 'request' && !this.data.emsAllowed) {
          // 邮寄送达 is offered only for items that allow it (the guide says so).
          const guide = await api.guide(current.service_code).catch(() => null)
          this.setData({ emsAllowed: Boolean(guide && guide.ems_allowed) })
        }
      } catch (e) {
        const copy = offlineCopy(e, `case:${id}`)
        if (e instanceof ApiError && e.status === 401) {
          wx.redirectTo({ url: `/pages/login/login?next=${encodeURIComponent(`/pages/case/case?id=${id}`)}` })
        } else if (copy) {
          // No connection: the case as it was last seen, saying when, with 重试 (nothing to change until it is back).
          this.setData({ item: caseView(/** @type {Case} */ (copy.value)), failure: '', asOf: copy.asOf })
        } else if (!this.data.item) {
          this.setData({ failure: e instanceof ApiError && e.status === 404 ? '没有找到这个办件' : messageOf(e) })
        }
      }
    },
    fix() {
      wx.navigateTo({ url: `/pages/apply/apply?id=${this.data.id}` })
    },
    delivery() {
      wx.navigateTo({ url: `/pages/delivery/delivery?id=${this.data.id}` })
    },
    cases() {
      wx.redirectTo({ url: '/pages/cases/cases' })
    },
  },
})
