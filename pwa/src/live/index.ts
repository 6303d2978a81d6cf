/** Live updates follow the session: the stream and the badge run while someone is logged in. */
import { watch } from 'vue'
import type { Router } from 'vue-router'
import { inAppPath, notifications } from '../api/notifications'
import { loadMe, me } from '../session'
import { refreshUnread, startInbox, stopInbox } from './inbox'
import { installStreamHooks, onLive, startStream, stopStream } from './stream'

export function initLive(router: Router): void {
  installStreamHooks()
  watch(
    () => me.value?.person_id ?? (me.value ? 0 : null),
    (who) => {
      stopStream() // another account on this tab must not keep the previous one's stream
      stopInbox()
      if (who !== null) {
        startInbox()
        startStream()
      }
    },
  )
  // A tapped notification while this tab was open: show it here, and it has been read.
  onLive('open', ({ url, id }) => {
    if (id) notifications.markRead(id).then(refreshUnread, () => undefined)
    void router.push(inAppPath(url) ?? '/inbox')
  })
  loadMe().catch(() => undefined) // logged out (401) or offline: nothing live to do
}
