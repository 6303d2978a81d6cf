// @ts-check
/**
 * 办事指南 of one service (GET /services/{code}): basics, conditions, materials, places, steps, result.
 * Query: code. TODO(apply page): an “在线申请” button for online services, opening /pages/apply/apply?code=.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
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
  },
})
