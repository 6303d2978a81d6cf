// @ts-check
/** Words and shapes shared by the appointment pages: dates as residents read them, the check-in QR as a grid. */
const qrcode = require('qrcode-generator')

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

/** "2026-11-30" → "11月30日 周一" (the hall's calendar date, no time zone involved). @param {string} date */
function dayText(date) {
  const [y, m, d] = date.split('-').map(Number)
  if (!y || !m || !d) return date
  return `${m}月${d}日 ${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}`
}

/** An instant in the hall's time zone (UTC+8, no summer time): "11月30日 09:05". @param {string} iso */
function timeText(iso) {
  const t = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
  if (Number.isNaN(t.getTime())) return iso
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0')
  return `${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`
}

/** @param {{ date: string, start: string, end?: string }} a */
function whenText(a) {
  return `${dayText(a.date)} ${a.start}${a.end ? `–${a.end}` : ''}`
}

/**
 * The QR code the hall scans: the appointment's `code`, exactly what the backend's qr.svg carries
 * (backend/kit/qr.py: a full QR code, error correction M). Rows of modules, true = dark; the page draws them as
 * views, with the quiet zone of 4 modules around them as padding.
 * @param {string} text
 * @returns {boolean[][]}
 */
function qrRows(text) {
  const qr = qrcode(0, 'M')
  qr.addData(text, 'Byte')
  qr.make()
  const n = qr.getModuleCount()
  /** @type {boolean[][]} */
  const rows = []
  for (let r = 0; r < n; r++) {
    const row = []
    for (let c = 0; c < n; c++) row.push(qr.isDark(r, c))
    rows.push(row)
  }
  return rows
}

/** The code in groups of 4, easier to read out at the window. @param {string} code */
function codeGroups(code) {
  return code.match(/.{1,4}/g) || []
}

module.exports = { dayText, timeText, whenText, qrRows, codeGroups }
