/** Live updates follow the session: the stream and the badge run while a verified person is logged in. */
import { watch } from 'vue'
import type { Router } from 'vue-router'
import { inAppPath, notifications } from '../api/notifications'
import { loadMe, me } from '../session'
import { refreshUnread, startInbox, stopInbox } from './inbox'
import { installStreamHooks, onLive, startStream, stopStream } from './stream'

export function initLive(router: Router): void {
  installStreamHooks()
  watch(
    // The inbox belongs to a verified person (实名): before that the API answers 403.
    // Nor before the person agreed to the current documents (auth.consent_required).
    () => (me.value?.verified && !me.value.consent_required?.length ? me.value.person_id ?? 0 : null),
    (who) => {
      stopStream() // another account on this tab must not keep the previous one's stream
      stopInbox()
      if (who !== null) {
        startInbox()
        startStream()
      }
    },
  )
  // The badge also catches up as the person moves around: a stream can miss events (e.g. while
  // reconnecting), and a navigation is a cheap moment to ask.
  let lastAsked = 0
  router.afterEach(() => {
    if (me.value?.verified && !me.value.consent_required?.length && Date.now() - lastAsked > 2000) {
      lastAsked = Date.now()
      void refreshUnread()
    }
  })
  // A tapped notification while this tab was open: show it here, and it has been read.
  onLive('open', ({ url, id }) => {
    if (id) notifications.markRead(id).then(refreshUnread, () => undefined)
    void router.push(inAppPath(url) ?? '/inbox')
  })
  loadMe().catch(() => undefined) // logged out (401) or offline: nothing live to do
}
