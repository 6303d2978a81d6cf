/** The one API client: JSON in and out, uploads with progress, RFC 9457 problem+json errors as ProblemError. */
import { i18n } from '../i18n'
import type { components } from './schema'

/** The problem+json document every error answer carries (backend/kit/errors.py). */
export type Problem = components['schemas']['Problem']
export type FieldError = NonNullable<Problem['errors']>[number]

/** Whether a parsed JSON body is a problem document (it carries our stable `code`). */
export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string'
}

export class ProblemError extends Error implements Problem {
  type: string
  title: string
  status: number
  detail?: string
  code: string
  errors: FieldError[]

  constructor(problem: Problem) {
    super(problem.detail || problem.title)
    this.name = 'ProblemError'
    this.type = problem.type
    this.title = problem.title
    this.status = problem.status
    this.detail = problem.detail
    this.code = problem.code
    this.errors = problem.errors ?? []
  }

  /** The message for one form field, if the server named it (e.g. "body.name"). */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.endsWith('.' + field))?.message
  }
}

export interface RequestOptions {
  idempotencyKey?: string
  signal?: AbortSignal
  headers?: Record<string, string>
}

const API_BASE = '/api/v1'
const problemListeners: ((problem: ProblemError) => void)[] = []

/** Be told of every problem the server answers (e.g. auth.consent_required: ask the resident to agree). */
export function onProblem(listener: (problem: ProblemError) => void): void {
  problemListeners.push(listener)
}
let language = 'zh-CN'

/** Problem codes that mean this device's session is gone (not a wrong code or password). */
export const SESSION_GONE = ['auth.not_authenticated', 'auth.session_revoked']
const sessionGoneListeners: ((problem: ProblemError) => void)[] = []

/** Called for every answer saying the session is gone: session.ts forgets the person and what was kept. */
export function onSessionGone(listener: (problem: ProblemError) => void): void {
  sessionGoneListeners.push(listener)
}

export function setLanguage(lang: string): void {
  language = lang
}

function readCookie(name: string): string | undefined {
  const prefix = name + '='
  return document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(prefix))
    ?.slice(prefix.length)
}

export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  // randomUUID needs a secure context; getRandomValues does not (e.g. plain http on a LAN).
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

const headerHooks: ((url: string) => Record<string, string>)[] = []

/** Add headers to requests by their URL (acting.ts: the delegation a worker acts under). */
export function onRequestHeaders(hook: (url: string) => Record<string, string>): void {
  headerHooks.push(hook)
}

/** What every request sends: language, idempotency key, and the CSRF token on unsafe methods. */
function baseHeaders(method: string, options: RequestOptions, url: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language, ...options.headers }
  for (const hook of headerHooks) Object.assign(headers, hook(url))
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    const csrf = readCookie('yiwang_csrf')
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
  return headers
}

function offline(): ProblemError {
  const { t } = i18n.global
  return new ProblemError({ type: 'about:blank', title: t('network.offline'), status: 0, detail: t('errors.offline'), code: 'network.offline' })
}

/** An error answer: its problem+json document, or a generic one when a proxy answered something else. */
function failed(status: number, statusText: string, body: unknown): ProblemError {
  if (isProblem(body)) {
    const problem = new ProblemError(body)
    problemListeners.forEach((listener) => listener(problem))
    if (problem.status === 401 && SESSION_GONE.includes(problem.code)) sessionGoneListeners.forEach((l) => l(problem))
    return problem
  }
  const { t } = i18n.global
  return new ProblemError({
    type: 'about:blank',
    title: statusText || t('network.failed'),
    status,
    detail: t('errors.unknown'),
    code: `http.${status}`,
  })
}

async function request<T>(method: string, url: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers = baseHeaders(method, options, url)
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (e) {
    // A request the caller cancelled (a newer search replaced it) is no network failure.
    if (options.signal?.aborted) throw e
    throw offline()
  }
  const type = response.headers.get('content-type') || ''
  if (!response.ok) {
    const data: unknown = type.includes('json') ? await response.json().catch(() => null) : null
    throw failed(response.status, response.statusText, data)
  }
  if (response.status === 204 || !type.includes('json')) return undefined as T
  return (await response.json()) as T
}

export interface UploadOptions extends RequestOptions {
  /** Called with 0-100 as the body goes out. */
  onProgress?: (percent: number) => void
}

/** POST a multipart form with upload progress (fetch cannot report it; XMLHttpRequest can). */
function upload<T>(url: string, form: FormData, options: UploadOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.withCredentials = true
    for (const [name, value] of Object.entries(baseHeaders('POST', options, url))) xhr.setRequestHeader(name, value)
    const { onProgress, signal } = options
    if (onProgress) xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)) }
    signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.onload = () => {
      let body: unknown = null
      try { body = JSON.parse(xhr.responseText) } catch { body = null }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else reject(failed(xhr.status, xhr.statusText, body))
    }
    xhr.onerror = () => reject(offline())
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    xhr.send(form)
  })
}

function resolve(path: string): string {
  return API_BASE + path
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', resolve(path), undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', resolve(path), body, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', resolve(path), body, options),
  delete: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('DELETE', resolve(path), body, options),
  /** A multipart upload with progress (photos). */
  upload: <T>(path: string, form: FormData, options?: UploadOptions) => upload<T>(resolve(path), form, options),
  /** An absolute path outside /api/v1 (probes). */
  raw: <T>(method: string, url: string, body?: unknown, options?: RequestOptions) => request<T>(method, url, body, options),
}
