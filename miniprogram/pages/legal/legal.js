// @ts-check
/** One document (用户协议, 隐私政策, 身份证号码处理单独同意书): GET /legal/documents/{document}. Query: document. */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { messageOf } = require('../../utils/http')
const { markdownBlocks } = require('../../utils/text')

Component({
  behaviors: [pageBehavior],
  data: {
    doc: /** @type {import('../../utils/api').Schemas['DocumentTextOut'] | null} */ (null),
    blocks: /** @type {import('../../utils/text').Block[]} */ ([]),
    error: '',
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      try {
        const doc = await api.document(query.document || 'terms')
        this.setData({ doc, blocks: markdownBlocks(doc.body) })
        wx.setNavigationBarTitle({ title: doc.title })
      } catch (e) {
        this.setData({ error: messageOf(e) })
      }
    },
  },
})
