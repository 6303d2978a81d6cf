/** Consent (PIPL): the current 用户协议 / 隐私政策 / ID-number consent, and the screen that asks for them. */
import { reactive, ref, watch } from 'vue'
import type { RouteLocationNormalized, Router } from 'vue-router'
import { auth, type Acceptance, type DocumentName, type DocumentRef } from './api/auth'
import { onProblem } from './api/client'
import { loadMe, me } from './session'

const current = ref<DocumentRef[] | null>(null)

/** The current version of each document, fetched once (again after the server said one changed). */
export async function currentDocuments(fresh = false): Promise<DocumentRef[]> {
  if (fresh || current.value === null) current.value = (await auth.documents()).documents
  return current.value
}

export async function acceptance(...names: DocumentName[]): Promise<Acceptance[]> {
  const docs = await currentDocuments()
  return docs.filter((d) => names.includes(d.document)).map((d) => ({ document: d.document, version: d.version }))
}

/** What the login and identity forms hold while the resident opens a document and comes back. */
export const loginDraft = reactive({ phone: '', agreed: false })
export const identityDraft = reactive({ name: '', idNumber: '', agreed: false })

export function consentPending(): boolean {
  return (me.value?.consent_required?.length ?? 0) > 0
}

// Pages a resident may see before agreeing: the question itself, the documents, logging in, staff, a hall's queue board.
function exempt(to: RouteLocationNormalized): boolean {
  return ['/consent', '/login'].includes(to.path) || to.path.startsWith('/legal/') || to.path.startsWith('/staff') || to.path.startsWith('/board/')
}

/** Before going anywhere, a resident with documents to agree to is shown the consent screen. */
export function installConsentGuard(router: Router): void {
  // Where the router is going (the first page may still be loading when "who am I" answers).
  let going: RouteLocationNormalized | null = null
  router.beforeEach((to) => {
    if (consentPending() && !exempt(to)) return { path: '/consent', query: { next: to.fullPath } }
    going = to
    return true
  })
  router.afterEach(() => {
    going = null
  })
  // A version published while this page was open: the server refuses, "who am I" tells what to agree to.
  onProblem((problem) => {
    if (problem.code === 'auth.consent_required') void loadMe().catch(() => undefined)
  })
  watch(
    () => consentPending(),
    (pending) => {
      const where = going ?? router.currentRoute.value
      if (pending && !exempt(where)) void router.replace({ path: '/consent', query: { next: where.fullPath } })
    },
  )
}
