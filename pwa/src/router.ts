import { createRouter, createWebHistory } from 'vue-router'
import Home from './views/resident/Home.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: Home },
    { path: '/services', name: 'services', component: () => import('./views/resident/Services.vue') },
    { path: '/services/:code', name: 'guide', component: () => import('./views/resident/ServiceGuide.vue'), props: true },
    { path: '/appointments', name: 'appointments', component: () => import('./views/resident/Appointments.vue') },
    { path: '/appointments/new', name: 'appointment-new', component: () => import('./views/resident/AppointmentNew.vue') },
    { path: '/appointments/:id(\\d+)', name: 'appointment', component: () => import('./views/resident/AppointmentView.vue'), props: true },
    { path: '/progress', name: 'progress', component: () => import('./views/resident/Progress.vue') },
    { path: '/apply/:id', name: 'apply', component: () => import('./views/resident/Apply.vue'), props: true },
    { path: '/cases/:id', name: 'case', component: () => import('./views/resident/CaseView.vue'), props: true },
    { path: '/track/:no?', name: 'track', component: () => import('./views/resident/Track.vue'), props: true },
    { path: '/verify/:code', name: 'verify', component: () => import('./views/resident/Verify.vue'), props: true },
    // Staff screens (meta.staff): no resident tab bar.
    { path: '/staff', name: 'staff', component: () => import('./views/staff/StaffQueue.vue'), meta: { staff: true } },
    { path: '/staff/login', name: 'staff-login', component: () => import('./views/staff/StaffLogin.vue'), meta: { staff: true } },
    { path: '/staff/hall', name: 'staff-hall', component: () => import('./views/staff/HallDesk.vue'), meta: { staff: true } },
    // Courier mode (role courier, scoped to a station): today's parcels, scanning, confirming at the door.
    { path: '/courier', name: 'courier', component: () => import('./views/courier/CourierHome.vue'), meta: { staff: true } },
    { path: '/courier/parcels/:id(\\d+)', name: 'courier-parcel', component: () => import('./views/courier/CourierParcel.vue'), props: true, meta: { staff: true } },
    { path: '/staff/deliveries', name: 'staff-deliveries', component: () => import('./views/staff/StaffDeliveries.vue'), meta: { staff: true } },
    { path: '/cases/:id/delivery', name: 'case-delivery', component: () => import('./views/resident/DeliveryRequest.vue'), props: true },
    // The hall's big screen: no login, no tab bar.
    { path: '/board/:hall', name: 'board', component: () => import('./views/Board.vue'), props: true, meta: { staff: true, board: true } },
    { path: '/staff/cases/:id', name: 'staff-case', component: () => import('./views/staff/StaffCase.vue'), props: true, meta: { staff: true } },
    // 帮办代办 (township staff): dashboard, find or register a villager, their delegations; 为 TA 办事 enters 代办模式 (acting.ts).
    { path: '/assist', name: 'assist', component: () => import('./views/assist/AssistHome.vue'), meta: { staff: true } },
    { path: '/assist/find', name: 'assist-find', component: () => import('./views/assist/AssistFind.vue'), meta: { staff: true } },
    { path: '/assist/register', name: 'assist-register', component: () => import('./views/assist/AssistRegister.vue'), meta: { staff: true } },
    { path: '/assist/villagers/:id(\\d+)', name: 'assist-villager', component: () => import('./views/assist/AssistVillager.vue'), props: true, meta: { staff: true } },
    { path: '/assist/villagers/:id(\\d+)/delegations/:delegation(new|\\d+)', name: 'assist-delegation', component: () => import('./views/assist/AssistDelegation.vue'), props: true, meta: { staff: true } },
    // Admin console (role admin).
    { path: '/admin', name: 'admin', component: () => import('./views/admin/AdminHome.vue'), meta: { staff: true } },
    { path: '/admin/notifications', name: 'admin-notifications', component: () => import('./views/admin/AdminNotifications.vue'), meta: { staff: true } },
    { path: '/admin/halls', name: 'admin-halls', component: () => import('./views/admin/AdminHalls.vue'), meta: { staff: true } },
    { path: '/admin/calendar', name: 'admin-calendar', component: () => import('./views/admin/AdminCalendar.vue'), meta: { staff: true } },
    { path: '/admin/catalog', name: 'admin-catalog', component: () => import('./views/admin/AdminCatalog.vue'), meta: { staff: true } },
    { path: '/admin/catalog/:code', name: 'admin-catalog-edit', component: () => import('./views/admin/AdminCatalogEdit.vue'), meta: { staff: true } },
    { path: '/admin/people', name: 'admin-people', component: () => import('./views/admin/AdminPeople.vue'), meta: { staff: true } },
    { path: '/admin/audit', name: 'admin-audit', component: () => import('./views/admin/AdminAudit.vue'), meta: { staff: true } },
    { path: '/me', name: 'me', component: () => import('./views/resident/Me.vue') },
    { path: '/login', name: 'login', component: () => import('./views/resident/Login.vue') },
    { path: '/me/identity', name: 'identity', component: () => import('./views/resident/Identity.vue') },
    { path: '/me/security', name: 'security', component: () => import('./views/resident/Security.vue') },
    { path: '/me/notifications', name: 'notification-prefs', component: () => import('./views/resident/NotificationPrefs.vue') },
    { path: '/inbox', name: 'inbox', component: () => import('./views/resident/Inbox.vue') },
    { path: '/legal/:document', name: 'legal', component: () => import('./views/resident/Legal.vue'), props: true },
    { path: '/consent', name: 'consent', component: () => import('./views/resident/Consent.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})
