// @ts-check
/**
 * 在线申请 (as the PWA's Apply.vue): the form from the guide's form_schema, prefilled (一表申请) and autosaved; one row
 * per material: 拍照 (wx.chooseMedia, camera or album) → wx.uploadFile with progress → put in the case's slot, with
 * the backend's quality hints (照片太小 / 模糊 / 太暗 / 反光) under the row; then 提交申请, which first asks WeChat for
 * the progress notice (wx.requestSubscribeMessage, inside the tap as WeChat requires; a refusal submits all the same).
 *
 * Query: code = the service item (starts a draft, or continues my open draft of it), or id = a case of mine that is
 * still editable (a draft, or 补正 asked).
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf, newKey } = require('../../utils/http')
const { fieldView, materialViews, correctionMap, fieldErrors } = require('../../utils/cases')
const { subscribe } = require('../../utils/subscribe')

/** @typedef {import('../../utils/api').Case} Case */
/** @typedef {import('../../utils/api').ServiceGuide} ServiceGuide */

/**
 * wx.chooseMedia for one photo: the temp file, or null when the person cancelled.
 * @returns {Promise<string | null>}
 */
function choosePhoto() {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera', 'album'],
      camera: 'back',
      success: (res) => resolve(res.tempFiles.length ? res.tempFiles[0].tempFilePath : null),
      fail: () => resolve(null),
    })
  })
}

/**
 * What the page keeps beside its data (not rendered as such): the case and guide as the server answered, the typed
 * values, the server's field errors, the uploads in flight, the submit's Idempotency-Key, the autosave turn.
 * @typedef {{ guide: ServiceGuide | null, current: Case | null, form: Record<string, unknown>, errors: Record<string, string>,
 *   progress: Record<string, number>, submitKey: string, turn: number, thumbs: Record<number, string> }} State
 */
/** @returns {State} */
const fresh = () => ({ guide: null, current: null, form: {}, errors: {}, progress: {}, submitKey: newKey(), turn: 0, thumbs: {} })
/** @type {WeakMap<object, State>} */
const states = new WeakMap()
/** @param {object} page */
function stateOf(page) {
  let state = states.get(page)
  if (!state) states.set(page, (state = fresh()))
  return state
}

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    failure: '',
    caseId: 0,
    name: '',
    editable: false,
    correcting: false,
    statusLabel: '',
    corrections: /** @type {{ item: string, label: string, reason: string }[]} */ ([]),
    fields: /** @type {ReturnType<typeof fieldView>[]} */ ([]),
    materials: /** @type {ReturnType<typeof materialViews>} */ ([]),
    error: '',
    busy: false,
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      states.set(this, fresh())
      const code = decodeURIComponent(query.code || '')
      const id = Number(query.id || 0)
      const here = id ? `/pages/apply/apply?id=${id}` : `/pages/apply/apply?code=${encodeURIComponent(code)}`
      try {
        let current
        if (id) current = await api.application(id)
        else {
          const { values } = await api.prefill(code)
          current = await api.createApplication(code, values) // my open draft of this item, if there is one
        }
        const guide = await api.guide(current.service_code)
        stateOf(this).guide = guide
        stateOf(this).current = current
        stateOf(this).form = { ...current.form }
        wx.setNavigationBarTitle({ title: guide.name })
        this.render()
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          wx.redirectTo({ url: `/pages/login/login?next=${encodeURIComponent(here)}` })
        } else if (e instanceof ApiError && e.code === 'auth.identity_required') {
          wx.redirectTo({ url: `/pages/identity/identity?next=${encodeURIComponent(here)}` })
        } else {
          this.setData({ failure: e instanceof ApiError && e.status === 404 ? '没有找到这个办件或事项' : messageOf(e) })
        }
      } finally {
        this.setData({ loading: false })
      }
    },

    /** Everything the page shows, from the case, the guide, the typed values, the errors and the uploads. */
    render() {
      const guide = stateOf(this).guide
      const current = stateOf(this).current
      if (!guide || !current) return
      const corrections = correctionMap(current)
      this.setData({
        caseId: current.id,
        name: guide.name,
        editable: current.editable,
        correcting: current.status === 'correction_requested',
        statusLabel: current.status_label,
        corrections: current.editable ? current.corrections.map((c) => ({ item: c.item, label: c.label, reason: c.reason })) : [],
        fields: guide.form_schema.map((f) => fieldView(f, stateOf(this).form, stateOf(this).errors, corrections)),
        materials: materialViews(guide, current, stateOf(this).progress, stateOf(this).errors, stateOf(this).thumbs),
      })
      this.fetchThumbnails()
    },

    /** Each attached photo's thumbnail, once (wx.downloadFile with the Bearer header); without it the slot still says 已提供. */
    fetchThumbnails() {
      const state = stateOf(this)
      const current = state.current
      if (!current) return
      for (const slot of current.materials) {
        if (slot.material_id in state.thumbs) continue
        state.thumbs[slot.material_id] = ''
        api.materialThumbnail(current.id, slot.material_id).then(
          (file) => {
            state.thumbs[slot.material_id] = file
            this.render()
          },
          () => undefined,
        )
      }
    },

    /** @param {WechatMiniprogram.CustomEvent<string>} event  a van-field's change (what was typed) */
    onInput(event) {
      const key = event.currentTarget.dataset.key
      stateOf(this).form[key] = event.detail
      if (stateOf(this).errors[key]) {
        delete stateOf(this).errors[key]
        this.render()
      }
    },
    /** @param {WechatMiniprogram.CustomEvent<{ value: string | number }>} event  a picker (select or date) */
    onPick(event) {
      const key = event.currentTarget.dataset.key
      const guide = stateOf(this).guide
      const field = (guide ? guide.form_schema : []).find((f) => f.key === key)
      const value = event.detail.value
      stateOf(this).form[key] = field && field.type === 'select' ? (field.options || [])[Number(value)] || '' : String(value)
      delete stateOf(this).errors[key]
      this.render()
      this.autosave()
    },

    /** Keep what was typed on the server (the PWA saves on blur); a later save or the submit wins over an old one. */
    async autosave() {
      const current = stateOf(this).current
      if (!current || !current.editable) return
      const mine = ++stateOf(this).turn
      try {
        const saved = await api.saveForm(current.id, { ...stateOf(this).form })
        if (mine !== stateOf(this).turn) return
        stateOf(this).current = saved
        stateOf(this).errors = {}
        this.render()
      } catch (e) {
        if (mine === stateOf(this).turn) this.explain(e)
      }
    },

    /** A problem the server answered: its field messages beside the fields, its detail under the form. @param {unknown} e */
    explain(e) {
      if (e instanceof ApiError) {
        stateOf(this).errors = fieldErrors(e.errors)
        const current = stateOf(this).current
        if (e.code === 'application.illegal_transition' && current) {
          // A clerk acted meanwhile: show the case as it is now.
          api.application(current.id).then((c) => ((stateOf(this).current = c), this.render()), () => undefined)
        }
      }
      this.setData({ error: messageOf(e) })
      this.render()
    },

    /** 拍照 / 重拍 of one material: chooseMedia → upload with progress → into the case's slot. @param {WechatMiniprogram.BaseEvent} event */
    async takePhoto(event) {
      const key = /** @type {string} */ (event.currentTarget.dataset.key)
      const current = stateOf(this).current
      if (!current || stateOf(this).progress[key] !== undefined) return
      const file = await choosePhoto()
      if (!file) return
      stateOf(this).progress[key] = 0
      delete stateOf(this).errors[key]
      this.setData({ error: '' })
      this.render()
      try {
        const material = await api.uploadMaterial(file, key, (percent) => {
          stateOf(this).progress[key] = percent
          this.render()
        })
        stateOf(this).current = await api.attachMaterial(current.id, key, material.id) // replaces the slot's photo: a retake
        wx.showToast({ title: material.warnings.length ? '已上传，请看提示' : '已上传', icon: material.warnings.length ? 'none' : 'success' })
      } catch (e) {
        this.explain(e)
      } finally {
        delete stateOf(this).progress[key]
        this.render()
      }
    },

    /**
     * 提交申请 (a tap): WeChat's subscribe dialog first — it must be opened by the tap itself — then the answer to our
     * credits endpoint, then save and submit. Refusing the notice never stops the submit.
     */
    submit() {
      if (!stateOf(this).current || this.data.busy) return
      const asked = subscribe(['progress'])
      this.setData({ busy: true, error: '' })
      return asked.then(() => this.send())
    },

    async send() {
      const current = stateOf(this).current
      if (!current) return
      ++stateOf(this).turn
      const resubmitting = current.status === 'correction_requested'
      try {
        stateOf(this).current = await api.saveForm(current.id, { ...stateOf(this).form })
        const done = await api.submitApplication(current.id, stateOf(this).submitKey)
        stateOf(this).errors = {}
        wx.showToast({ title: resubmitting ? '已提交补正' : '已提交', icon: 'success' })
        wx.redirectTo({ url: `/pages/case/case?id=${done.id}` })
      } catch (e) {
        // A definite refusal ends this attempt (the next tap is a new one); a lost answer retries with the same key.
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.code !== 'idempotency.in_flight') stateOf(this).submitKey = newKey()
        this.explain(e)
      } finally {
        this.setData({ busy: false })
      }
    },

    openCase() {
      wx.redirectTo({ url: `/pages/case/case?id=${this.data.caseId}` })
    },
  },
})
