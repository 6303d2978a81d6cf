/** Typed calls for the inbox (消息), notification preferences and Web Push subscriptions. */
import { api } from './client'

export interface Notification {
  id: number
  event: string
  title: string
  body: string
  /** An in-app path such as "/cases/12", or null. */
  link: string | null
  data: { application_id?: number; status?: string; [key: string]: unknown }
  created_at: string
  read_at: string | null
}

export interface NotificationPage {
  items: Notification[]
  next_before: number | null
}

export interface NotificationPrefs {
  wechat: boolean
  webpush: boolean
  sms: boolean
  quiet_hours: boolean
  quiet_start: string
  quiet_end: string
}

export interface PushSubscriptionOut {
  id: number
  endpoint: string
  created_at: string
}

export const notifications = {
  list: (before?: number | null, limit = 20) =>
    api.get<NotificationPage>(`/notifications?limit=${limit}` + (before ? `&before=${before}` : '')),
  unreadCount: () => api.get<{ unread: number }>('/notifications/unread-count'),
  markRead: (id: number) => api.post<void>(`/notifications/${id}/read`),
  markAllRead: () => api.post<{ marked: number }>('/notifications/read-all'),
  prefs: () => api.get<NotificationPrefs>('/me/notification-preferences'),
  savePrefs: (prefs: NotificationPrefs) => api.put<NotificationPrefs>('/me/notification-preferences', prefs),
  vapidKey: () => api.get<{ public_key: string }>('/push/vapid-public-key'),
  subscriptions: () => api.get<{ items: PushSubscriptionOut[] }>('/push/subscriptions'),
  subscribe: (subscription: PushSubscriptionJSON) => api.post<PushSubscriptionOut>('/push/subscriptions', subscription),
  unsubscribe: (endpoint: string) => api.delete<void>('/push/subscriptions', { endpoint }),
}

/** Only paths inside this app are followed; anything else opens the inbox. */
export function inAppPath(link: string | null | undefined): string | null {
  return link && link.startsWith('/') && !link.startsWith('//') ? link : null
}
