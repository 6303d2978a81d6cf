import type { RouteLocationNormalizedLoaded } from 'vue-router'

/** Where to go after login or verification: the ?next= path if it stays on this site. */
export function nextPath(route: RouteLocationNormalizedLoaded, fallback = '/me'): string {
  const next = route.query.next
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : fallback
}
