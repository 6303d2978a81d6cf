/** Who is logged in on this device, shared by the screens. */
import { ref } from 'vue'
import { auth, type Me } from './api/auth'
import { ProblemError } from './api/client'

export const me = ref<Me | null>(null)
export const meLoaded = ref(false)

export async function loadMe(): Promise<Me | null> {
  try {
    me.value = await auth.me()
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) me.value = null
    else throw e
  } finally {
    meLoaded.value = true
  }
  return me.value
}
