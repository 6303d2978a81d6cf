/** 403 auth.assurance_required: the item needs stronger proof of identity than this login brought. */
import { showConfirmDialog } from 'vant'
import type { Router } from 'vue-router'
import { ProblemError } from './api/client'
import { i18n } from './i18n'

/**
 * Explain it in a dialog, with the server's detail (what to do: log in with a phone registered
 * in one's own name, or show the ID card at a window); a toast would be gone before it is read.
 * True when the error was this one.
 */
export function explainAssurance(e: unknown, router: Router): boolean {
  if (!(e instanceof ProblemError) || e.code !== 'auth.assurance_required') return false
  const { t } = i18n.global
  showConfirmDialog({
    title: e.title,
    message: e.detail ?? e.title,
    messageAlign: 'left',
    confirmButtonText: t('guide.assuranceSecurity'),
    cancelButtonText: t('guide.assuranceOk'),
  })
    .then(() => router.push('/me/security'))
    .catch(() => {}) // "我知道了"
  return true
}
