/** Typed calls for the inbox (消息), notification preferences and Web Push subscriptions. */
import { api } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type Notification = Schemas['NotificationOut']

export type NotificationPage = Schemas['NotificationPage']

export type NotificationPrefs = Schemas['Preferences']

export type PushSubscriptionOut = Schemas['PushSubscriptionOut']

export const notifications = {
  list: (before?: number | null, limit = 20) =>
    api.get<NotificationPage>(`/notifications?limit=${limit}` + (before ? `&before=${before}` : '')),
  unreadCount: () => api.get<Schemas['UnreadOut']>('/notifications/unread-count'),
  markRead: (id: number) => api.post<void>(`/notifications/${id}/read`),
  markAllRead: () => api.post<Schemas['MarkedOut']>('/notifications/read-all'),
  prefs: () => api.get<NotificationPrefs>('/me/notification-preferences'),
  savePrefs: (prefs: NotificationPrefs) => api.put<NotificationPrefs>('/me/notification-preferences', prefs),
  vapidKey: () => api.get<Schemas['VapidKeyOut']>('/push/vapid-public-key'),
  subscriptions: () => api.get<Schemas['PushSubscriptionList']>('/push/subscriptions'),
  subscribe: (subscription: PushSubscriptionJSON) => api.post<PushSubscriptionOut>('/push/subscriptions', subscription),
  unsubscribe: (endpoint: string) => api.delete<void>('/push/subscriptions', { endpoint }),
}

/** Only paths inside this app are followed; anything else opens the inbox. */
export function inAppPath(link: string | null | undefined): string | null {
  return link && link.startsWith('/') && !link.startsWith('//') ? link : null
}
