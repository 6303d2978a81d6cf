// @ts-check
/** How the catalog reads on a phone: the service flags as short tags, the guide's promised time (as the PWA says it). */

/** @typedef {import('./api').Schemas['ServiceSummary']} ServiceSummary */

/**
 * @param {ServiceSummary} s
 * @returns {string[]}
 */
function flagLabels(s) {
  const labels = []
  if (s.online_full) labels.push('全程网办')
  if (s.max_one_trip) labels.push('最多跑一次')
  if (s.instant) labels.push('即办')
  if (s.ems_allowed) labels.push('可邮寄')
  if (s.appointment_needed) labels.push('需预约')
  return labels
}

/** @param {number} days */
function promised(days) {
  return days > 0 ? `承诺 ${days} 个工作日` : '当场办结'
}

/** @param {ServiceSummary} s */
function summaryView(s) {
  return { code: s.code, name: s.name, department: s.department_name, flags: flagLabels(s), promised: promised(s.promised_limit_days) }
}

const DELIVERIES = { window: '窗口领取', ems: '邮寄送达', electronic: '电子证照（网上查看、下载）' }

/** @param {import('./api').ServiceGuide} g */
function guideView(g) {
  return {
    code: g.code,
    name: g.name,
    summary: g.summary,
    department: g.department_name,
    kind: g.kind,
    flags: flagLabels(g),
    legal: `${g.legal_limit_days} 个工作日`,
    promised: promised(g.promised_limit_days),
    fee: g.fee || '不收费',
    conditions: g.conditions,
    materials: g.materials.map((m) => ({
      key: m.key,
      name: m.name,
      need: m.required ? '必交' : '视情况',
      detail: [m.copies ? `${m.copies} 份` : '', m.condition || '', m.certificate_type ? `可用电子证照“${m.certificate_type}”代替` : '']
        .filter(Boolean)
        .join('；'),
    })),
    places: g.places,
    hours: g.hours,
    phone: g.phone,
    steps: g.steps,
    basis: g.legal_basis,
    result: g.result_name,
    deliveries: g.result_delivery.map((d) => DELIVERIES[d]).join('、'),
    appointmentNeeded: g.appointment_needed,
  }
}

module.exports = { flagLabels, promised, summaryView, guideView }
