// @ts-check
/** The documents a resident agrees to (auth/consent.py): 用户协议 and 隐私政策 at login, the ID-number consent when binding. */
const { api } = require('./api')

/** @typedef {import('./api').DocumentRef} DocumentRef */
/** @typedef {import('./api').Acceptance} Acceptance */
/** @typedef {DocumentRef['document']} DocumentName */

/** @type {DocumentRef[] | null} */
let current = null

/** The current version of each document, fetched once (again when the server said one changed). */
async function currentDocuments(fresh = false) {
  if (fresh || current === null) current = (await api.documents()).documents
  return current
}

/**
 * What to send as `accept` for these documents: their current versions.
 * @param {DocumentName[]} names
 * @returns {Promise<Acceptance[]>}
 */
async function acceptance(...names) {
  const docs = await currentDocuments()
  return docs.filter((d) => names.includes(d.document)).map((d) => ({ document: d.document, version: d.version }))
}

/** @param {DocumentRef[]} docs @returns {Acceptance[]} */
function accepting(docs) {
  return docs.map((d) => ({ document: d.document, version: d.version }))
}

module.exports = { currentDocuments, acceptance, accepting }
