// Every call the mini-program makes (utils/endpoints.js, the only table utils/http.js accepts) exists in the
// backend's /api/openapi.json with the same method, path parameters, query parameters and body (or form) fields.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { ENDPOINTS } = require('../utils/endpoints')
const { httpRequest } = require('./support/wx')

let doc

beforeAll(async () => {
  if (process.env.BASE_URL) {
    const res = await httpRequest(process.env.BASE_URL + '/api/openapi.json')
    doc = JSON.parse(res.body)
  } else {
    // Without a running backend: the same document, from the app itself (as pwa/scripts/api-types.mjs does).
    const root = path.resolve(__dirname, '../..')
    const python = fs.existsSync(path.join(root, '.venv/bin/python')) ? path.join(root, '.venv/bin/python') : 'python3'
    doc = JSON.parse(execFileSync(python, ['-m', 'backend.cli', 'openapi'], { cwd: root, encoding: 'utf-8', maxBuffer: 64 << 20 }))
  }
})

function schemaOf(ref) {
  let schema = ref
  while (schema && schema.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()]
  return schema
}

test.each(Object.entries(ENDPOINTS))('%s is in /api/openapi.json as declared', (name, e) => {
  const item = doc.paths['/api/v1' + e.path]
  expect([name, 'path', Boolean(item)]).toEqual([name, 'path', true])
  const op = item[e.method.toLowerCase()]
  expect([name, e.method, Boolean(op)]).toEqual([name, e.method, true])
  const params = (op.parameters || []).concat(item.parameters || [])
  const pathParams = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
  expect(params.filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(pathParams)
  const queryNames = params.filter((p) => p.in === 'query').map((p) => p.name)
  for (const q of e.query || []) expect([name, q, queryNames.includes(q)]).toEqual([name, q, true])
  // Required query parameters are ones we send.
  for (const p of params.filter((p) => p.in === 'query' && p.required)) expect(e.query || []).toContain(p.name)

  // A call the server wants an Idempotency-Key for is declared `idempotent` (http.call then needs the key), and only those.
  const needsKey = params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key' && p.required)
  expect([name, 'idempotent', Boolean(e.idempotent)]).toEqual([name, 'idempotent', needsKey])

  const content = (op.requestBody && op.requestBody.content) || {}
  if (e.upload) {
    const form = schemaOf(content['multipart/form-data'] && content['multipart/form-data'].schema)
    expect([name, 'multipart', Boolean(form)]).toEqual([name, 'multipart', true])
    const fields = Object.keys(form.properties)
    for (const f of [e.upload.file, ...e.upload.fields]) expect([name, f, fields.includes(f)]).toEqual([name, f, true])
    for (const f of form.required || []) expect([e.upload.file, ...e.upload.fields]).toContain(f)
  } else if (e.body) {
    const body = schemaOf(content['application/json'] && content['application/json'].schema)
    expect([name, 'json body', Boolean(body)]).toEqual([name, 'json body', true])
    const keys = Object.keys(body.properties)
    for (const k of e.body) expect([name, k, keys.includes(k)]).toEqual([name, k, true])
    for (const k of body.required || []) expect([name, 'sends required', k, e.body.includes(k)]).toEqual([name, 'sends required', k, true])
  } else {
    // A call declared without a body must not be one that requires one.
    expect([name, 'needs no body', Boolean(op.requestBody && op.requestBody.required)]).toEqual([name, 'needs no body', false])
  }
})

test('no code outside utils/http.js talks to the network itself', () => {
  const root = path.resolve(__dirname, '..')
  const offenders = []
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'miniprogram_npm', 'tests', 'scripts'].includes(entry.name)) continue
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.(js|ts|wxs)$/.test(entry.name) && full !== path.join(root, 'utils', 'http.js')) {
        const code = fs.readFileSync(full, 'utf-8')
        if (/wx\.(request|uploadFile|downloadFile|connectSocket)\s*\(/.test(code)) offenders.push(path.relative(root, full))
      }
    }
  }
  walk(root)
  expect(offenders).toEqual([])
})
