/** Who is logged in on this device, shared by the screens. */
import { ref } from 'vue'
import { showConfirmDialog, showDialog, showToast } from 'vant'
import { endActing } from './acting'
import { auth, type Me } from './api/auth'
import { onSessionGone, ProblemError } from './api/client'
import { i18n } from './i18n'
import { forgetAll, keep, ownedBy, recall, unreachable } from './offline'

export const me = ref<Me | null>(null)
export const meLoaded = ref(false)
/** When `me` is the last known state (the server could not be reached): the time it was fetched. */
export const meAsOf = ref<Date | null>(null)
/** This device was signed out from another one (auth.session_revoked): screens explain it. */
export const signedOutElsewhere = ref(false)

let explained = false

function sessionGone(problem: ProblemError): void {
  forgetAll()
  me.value = null
  meAsOf.value = null
  meLoaded.value = true
  if (problem.code !== 'auth.session_revoked') return
  signedOutElsewhere.value = true
  if (explained) return
  explained = true // once per visit; 我的 keeps saying it until the next login
  const { t } = i18n.global
  void showDialog({
    title: t('session.revokedTitle'),
    message: t('session.revokedBody'),
    messageAlign: 'left',
    confirmButtonText: t('session.revokedOk'),
    className: 'signed-out-dialog',
  }).catch(() => undefined)
}
onSessionGone(sessionGone)

/**
 * Ask the server who is logged in. 401 means nobody (and forgets what was kept); when the server
 * cannot be reached, the last known 我的 stands in, with `meAsOf` telling how old it is.
 */
export async function loadMe(): Promise<Me | null> {
  try {
    const fresh = await auth.me()
    ownedBy(fresh.person_id ? `person:${fresh.person_id}` : `channels:${fresh.channels.join(',')}`)
    keep('me', fresh)
    me.value = fresh
    meAsOf.value = null
    signedOutElsewhere.value = false
    explained = false
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) me.value = null // sessionGone already forgot the rest
    else {
      const last = unreachable(e) ? recall<Me>('me') : null
      if (!last) throw e
      me.value = last.data
      meAsOf.value = last.at
    }
  } finally {
    meLoaded.value = true
  }
  return me.value
}

/** Logged out on purpose: nothing of this person stays on the device. */
export function loggedOut(): void {
  forgetAll()
  endActing()
  me.value = null
  meAsOf.value = null
  signedOutElsewhere.value = false
}

/**
 * 退出登录 after the person confirms `question`: ends the session on the server (one already gone counts as done)
 * and forgets this person on the device. False when they cancelled or the server refused (said in a toast).
 */
export async function confirmLogout(question: string, failed: string): Promise<boolean> {
  try {
    await showConfirmDialog({ message: question })
  } catch {
    return false
  }
  try {
    await auth.logout()
  } catch (e) {
    if (!(e instanceof ProblemError && e.status === 401)) {
      showToast(e instanceof ProblemError ? e.detail ?? e.title : failed)
      return false
    }
  }
  loggedOut()
  return true
}
