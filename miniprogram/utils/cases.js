// @ts-check
/**
 * How a case reads on a phone (pages/apply, pages/cases, pages/case), the same way the PWA shows it
 * (pwa/src/views/resident/Apply.vue, CaseView.vue, Progress.vue): the form from the guide's form_schema, one row per
 * material with its photo's quality hints (the backend's, in Chinese), the timeline newest first like a parcel's.
 */

/** @typedef {import('./api').Schemas} Schemas */
/** @typedef {import('./api').Case} Case */
/** @typedef {Schemas['FormField']} FormField */
/** @typedef {Schemas['ServiceGuide']} ServiceGuide */

/** van-field `type` for each form_schema type (the keyboard a phone opens). */
const INPUT_TYPES = /** @type {Record<string, string>} */ ({ number: 'digit', phone: 'number', id_number: 'idcard', textarea: 'textarea' })

/**
 * The field is required now: always, or because another field has the value named in required_if.
 * @param {FormField} f @param {Record<string, unknown>} form
 */
function isRequired(f, form) {
  return Boolean(f.required || (f.required_if && form[f.required_if.key] === f.required_if.value))
}

/**
 * What one field of the form shows.
 * @param {FormField} f @param {Record<string, unknown>} form
 * @param {Record<string, string>} errors  field key → the server's message (a 422's errors)
 * @param {Record<string, string>} corrections  field key → the clerk's reason (补正)
 */
function fieldView(f, form, errors, corrections) {
  const value = form[f.key]
  return {
    key: f.key,
    label: f.label,
    kind: f.type === 'select' ? 'select' : f.type === 'date' ? 'date' : 'input',
    inputType: INPUT_TYPES[f.type || 'text'] || 'text',
    required: isRequired(f, form),
    placeholder: f.hint || (f.type === 'select' || f.type === 'date' ? '请选择' : '请输入'),
    maxlength: f.type === 'select' || f.type === 'date' ? -1 : f.max_length || 100,
    options: f.options || [],
    value: value === undefined || value === null ? '' : String(value),
    error: errors[f.key] || corrections[f.key] || '',
  }
}

/**
 * One row per material of the guide: attached or not, the photo's quality hints, what the clerk asked to redo.
 * @param {ServiceGuide} guide @param {Case} current
 * @param {Record<string, number>} progress  material key → upload percent while its photo goes up
 * @param {Record<string, string>} errors
 * @param {Record<number, string>} [thumbs]  material id → its thumbnail as a local file, once fetched
 */
function materialViews(guide, current, progress, errors, thumbs = {}) {
  const corrections = correctionMap(current)
  return guide.materials.map((m) => {
    const slot = current.materials.find((s) => s.key === m.key)
    return {
      key: m.key,
      name: m.name,
      condition: m.condition || '',
      required: Boolean(m.required),
      attached: Boolean(slot),
      // The photo itself, small, once fetched (a local file: an <image> cannot send the Bearer header).
      thumb: slot ? thumbs[slot.material_id] || '' : '',
      // The backend's hints for this photo (too_small, blurry, too_dark, overexposed), already in Chinese.
      hints: slot ? slot.warnings.map((w) => ({ code: w.code, message: w.message })) : [],
      correction: corrections[m.key] || '',
      error: errors[m.key] || '',
      uploading: progress[m.key] !== undefined,
      percent: progress[m.key] || 0,
    }
  })
}

/** @param {Case} current @returns {Record<string, string>} item → reason */
function correctionMap(current) {
  return Object.fromEntries((current.corrections || []).map((c) => [c.item, c.reason]))
}

/**
 * A 422's field errors by form field or material key ("form.business_name", "materials.id_card" → the key).
 * @param {{ field: string, message: string }[]} errors
 * @returns {Record<string, string>}
 */
function fieldErrors(errors) {
  return Object.fromEntries(errors.map((e) => [e.field.replace(/^(body\.)?(form|materials)\./, ''), e.message]))
}

/** @param {string} iso */
function when(iso) {
  const d = new Date(iso)
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/**
 * The timeline as a parcel's: newest step first, marked as the current one.
 * @param {Case} c
 */
function timelineView(c) {
  return [...c.timeline].reverse().map((s, i) => ({ text: s.text, at: when(s.at), note: s.note, latest: i === 0 }))
}

/** Statuses in which the result may be sent by post (the PWA's DeliveryCard; the server decides). */
const DELIVERY_STATUSES = ['submitted', 'correction_requested', 'accepted', 'approved', 'certificate_issued']

/** @param {Case} c */
function caseView(c) {
  const parcel = c.timeline.some((s) => s.action.startsWith('delivery.'))
  return {
    id: c.id,
    name: c.service_name,
    trackingNo: c.tracking_no || '',
    status: c.status,
    statusLabel: c.status_label,
    due: c.due_date || '',
    editable: c.editable,
    draft: c.status === 'draft',
    correcting: c.status === 'correction_requested',
    corrections: c.corrections.map((x) => ({ item: x.item, label: x.label, reason: x.reason })),
    timeline: timelineView(c),
    // 邮寄: its progress once a parcel exists, else the page where one may be asked for.
    delivery: parcel ? 'progress' : DELIVERY_STATUSES.includes(c.status) ? 'request' : '',
  }
}

/** @param {Case} c */
function listItem(c) {
  return { id: c.id, name: c.service_name, label: c.tracking_no ? `办件编号 ${c.tracking_no}` : '草稿（未提交）', status: c.status_label }
}

module.exports = { INPUT_TYPES, isRequired, fieldView, materialViews, correctionMap, fieldErrors, timelineView, caseView, listItem, when }
