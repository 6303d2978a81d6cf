// @ts-check
/** 办事: the catalog with search (GET /services?q=; Chinese words, pinyin or initials), 20 at a time. Query: q. */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { messageOf } = require('../../utils/http')
const { summaryView } = require('../../utils/catalog')

const PAGE_SIZE = 20
const TYPING_PAUSE_MS = 300 // search once the resident pauses, not on every key

/** @type {number} */
let typing = 0

Component({
  behaviors: [pageBehavior],
  data: {
    q: '',
    asked: '',
    items: /** @type {ReturnType<typeof summaryView>[]} */ ([]),
    total: 0,
    page: 0,
    searching: false,
    loading: false,
    error: '',
    /** which search the shown results answer (a slow older answer must not replace a newer one) */
    generation: 0,
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      const q = query.q ? decodeURIComponent(query.q) : ''
      this.setData({ q })
      await this.search(q)
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} event */
    onInput(event) {
      this.setData({ q: event.detail })
      clearTimeout(typing)
      typing = setTimeout(() => this.search(event.detail), TYPING_PAUSE_MS)
    },
    /** @param {WechatMiniprogram.CustomEvent<string>} event */
    onSearch(event) {
      clearTimeout(typing)
      return this.search(event.detail)
    },
    /** @param {string} q */
    async search(q) {
      const generation = this.data.generation + 1
      this.setData({ generation, searching: true, error: '' })
      try {
        const page = await api.services({ q: q.trim(), page: 1, page_size: PAGE_SIZE })
        if (generation !== this.data.generation) return
        this.setData({ asked: q.trim(), items: page.items.map(summaryView), total: page.total, page: 1 })
      } catch (e) {
        if (generation === this.data.generation) this.setData({ error: messageOf(e) })
      } finally {
        if (generation === this.data.generation) this.setData({ searching: false })
      }
    },
    async more() {
      this.setData({ loading: true, error: '' })
      try {
        const page = await api.services({ q: this.data.asked, page: this.data.page + 1, page_size: PAGE_SIZE })
        this.setData({ items: this.data.items.concat(page.items.map(summaryView)), total: page.total, page: page.page })
      } catch (e) {
        this.setData({ error: messageOf(e) })
      } finally {
        this.setData({ loading: false })
      }
    },
    retry() {
      return this.search(this.data.q)
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    open(event) {
      wx.navigateTo({ url: `/pages/guide/guide?code=${encodeURIComponent(event.currentTarget.dataset.code)}` })
    },
  },
})
