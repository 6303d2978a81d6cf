/** The one API client: JSON in and out, RFC 9457 problem+json errors as ProblemError. */

export interface FieldError {
  field: string
  code: string
  message: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  code: string
  errors?: FieldError[]
}

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

async function request<T>(method: string, url: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language, ...options.headers }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    const csrf = readCookie('yiwang_csrf')
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
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
    throw new ProblemError({
      type: 'about:blank',
      title: language.startsWith('en') ? 'Offline' : '网络连接失败',
      status: 0,
      detail: language.startsWith('en')
        ? 'Network connection failed, check your network and retry'
        : '网络连接失败，请检查网络后重试',
      code: 'network.offline',
    })
  }
  const type = response.headers.get('content-type') || ''
  if (!response.ok) {
    if (type.includes('json')) {
      const data: unknown = await response.json().catch(() => null)
      if (isProblem(data)) {
        const problem = new ProblemError(data)
        problemListeners.forEach((listener) => listener(problem))
        if (problem.status === 401 && SESSION_GONE.includes(problem.code)) sessionGoneListeners.forEach((l) => l(problem))
        throw problem
      }
    }
    throw new ProblemError({
      type: 'about:blank',
      title: response.statusText || '请求失败',
      status: response.status,
      detail: '出了点问题，请稍后重试',
      code: `http.${response.status}`,
    })
  }
  if (response.status === 204 || !type.includes('json')) return undefined as T
  return (await response.json()) as T
}

function resolve(path: string): string {
  return API_BASE + path
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', resolve(path), undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', resolve(path), body, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', resolve(path), body, options),
  delete: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('DELETE', resolve(path), body, options),
  /** An absolute path outside /api/v1 (probes). */
  raw: <T>(method: string, url: string, body?: unknown, options?: RequestOptions) => request<T>(method, url, body, options),
}
