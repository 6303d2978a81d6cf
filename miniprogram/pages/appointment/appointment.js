// @ts-check
/**
 * 预约详情 (the PWA's AppointmentView.vue): the check-in QR code large for the hall's scanner (its content is the
 * appointment's `code`, the same as the backend's qr.svg) and the code in big letters to read out; when, where,
 * the status from the server; cancel and reschedule while the cut-off allows (each after a question); a held place
 * to confirm, an offered one to accept; at the hall, the queue ticket (number, people ahead, the window once called).
 * A held or offered place shows the time left to its deadline (`hold_until`), counting down each second like the
 * PWA's; at zero the buttons give way to 保留时间已过 (the server releases the place).
 * Without signal (at a hall with none) the appointment as last seen, QR included, saying when, with 重试 and no buttons
 * that would need the server.
 * Query: id.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf } = require('../../utils/http')
const { subscribe } = require('../../utils/subscribe')
const { timeText, whenText, qrRows, codeGroups } = require('../../utils/appointments')
const { keep, offlineCopy } = require('../../utils/offline')

/** @typedef {import('../../utils/api').Schemas} Schemas */
/** @typedef {Schemas['AppointmentOut']} Appointment */

/** The running countdown of each page instance (cleared when the page goes or the place is no longer held). */
/** @type {WeakMap<object, ReturnType<typeof setInterval>>} */
const clocks = new WeakMap()

/** Seconds → "1:05:09" or "4:59". @param {number} s */
function clockText(s) {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

/** @param {Appointment} a */
function view(a) {
  return {
    id: a.id,
    code: a.code,
    codeGroups: codeGroups(a.code),
    status: a.status,
    statusLabel: a.status_label,
    service: a.service_name,
    when: whenText(a),
    hall: a.hall.name,
    address: a.hall.address,
    deadline: a.hold_until ? timeText(a.hold_until) : '',
    canCancel: a.can_cancel,
    canReschedule: a.can_reschedule,
    ticket: a.ticket,
    timeline: a.timeline.map((s) => ({ text: s.text, at: timeText(s.at) })),
  }
}

Component({
  behaviors: [pageBehavior],
  data: {
    shown: false,
    id: 0,
    state: /** @type {'loading' | 'ready' | 'login' | 'verify' | 'failed'} */ ('loading'),
    error: '',
    item: /** @type {ReturnType<typeof view> | null} */ (null),
    /** the QR's modules (true = dark), drawn only while the appointment can be checked in */
    qr: /** @type {boolean[][]} */ ([]),
    /** what the QR carries (the appointment's code) */
    qrText: '',
    /** one module's side in rpx: the code about 480rpx wide whatever its size */
    qrCell: 16,
    busy: '',
    /** time left to confirm a held or offered place ("4:59"), '' when none runs */
    countdown: '',
    /** the held or offered place's deadline has passed */
    expired: false,
    /** set when the appointment shown is the copy kept on the phone (no connection): when it was fetched */
    asOf: '',
  },
  lifetimes: {
    detached() {
      this.stopClock()
    },
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      this.setData({ id: Number(query.id || 0) })
      await this.load()
    },
    onUnload() {
      this.stopClock()
    },
    onShow() {
      const again = this.data.shown
      this.setData({ shown: true }) // the first show follows onLoad, which loaded already
      if (again && this.data.state === 'ready') return this.load()
      return undefined
    },
    async load() {
      const key = `appointment:${this.data.id}`
      try {
        const current = await api.appointment(this.data.id)
        keep(key, current)
        this.setData({ asOf: '' })
        this.show(current)
      } catch (e) {
        const copy = offlineCopy(e, key)
        if (copy) {
          // No connection: the appointment as last seen (the QR still shows for the hall's scanner), saying when.
          this.setData({ asOf: copy.asOf })
          this.show(/** @type {Appointment} */ (copy.value))
        } else if (e instanceof ApiError && e.status === 401) this.setData({ state: 'login' })
        else if (e instanceof ApiError && e.status === 403 && String(e.code).startsWith('auth.')) this.setData({ state: 'verify' })
        else if (e instanceof ApiError && e.status === 404) this.setData({ state: 'failed', error: '没有找到这个预约' })
        else this.setData({ state: 'failed', error: messageOf(e) })
      }
    },
    /** @param {Appointment} a */
    show(a) {
      const pass = a.status === 'booked'
      const qr = pass ? qrRows(a.code) : []
      this.setData({ state: 'ready', item: view(a), qr, qrText: pass ? a.code : '', qrCell: qr.length ? Math.max(8, Math.floor(480 / qr.length)) : 16 })
      if (['held', 'offered'].includes(a.status) && a.hold_until) this.startClock(new Date(a.hold_until).getTime())
      else {
        this.stopClock()
        this.setData({ countdown: '', expired: false })
      }
    },
    /** Count down to `end` (ms), once a second. @param {number} end */
    startClock(end) {
      this.stopClock()
      const tick = () => {
        const left = Math.floor((end - Date.now()) / 1000)
        if (left > 0) {
          this.setData({ countdown: clockText(left), expired: false })
          return
        }
        this.stopClock()
        this.setData({ countdown: '0:00', expired: true })
      }
      tick()
      if (!this.data.expired) clocks.set(this, setInterval(tick, 1000))
    },
    stopClock() {
      const timer = clocks.get(this)
      if (timer !== undefined) clearInterval(timer)
      clocks.delete(this)
    },
    here() {
      return `/pages/appointment/appointment?id=${this.data.id}`
    },
    login() {
      wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent(this.here())}` })
    },
    verify() {
      wx.navigateTo({ url: `/pages/identity/identity?next=${encodeURIComponent(this.here())}` })
    },
    /** @param {string} name @param {() => Promise<Appointment>} work @param {string} done */
    async act(name, work, done) {
      this.setData({ busy: name })
      try {
        this.show(await work())
        wx.showToast({ title: done, icon: 'success' })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' })
        await this.load()
      } finally {
        this.setData({ busy: '' })
      }
    },
    /** A held place (the booking was left before its confirm): confirm it, the subscribe dialog first. */
    confirm() {
      const asked = subscribe(['appointment'])
      return this.act('confirm', async () => {
        await asked
        return api.confirmAppointment(this.data.id)
      }, '预约成功')
    },
    accept() {
      const asked = subscribe(['appointment'])
      return this.act('accept', async () => {
        await asked
        return api.acceptAppointment(this.data.id)
      }, '已约上，请按时到大厅')
    },
    async cancel() {
      const answer = await wx.showModal({
        title: '取消这个预约？',
        content: '取消后名额会让给别人，想再办需要重新预约。',
        confirmText: '确认取消',
        cancelText: '不取消',
        confirmColor: '#ee0a24',
      })
      if (!answer.confirm) return
      await this.act('cancel', () => api.cancelAppointment(this.data.id), '已取消预约')
    },
    reschedule() {
      wx.navigateTo({ url: `/pages/appointments/appointments?reschedule=${this.data.id}` })
    },
    mine() {
      wx.redirectTo({ url: '/pages/appointments/appointments' })
    },
    retry() {
      this.setData({ state: 'loading' })
      return this.load()
    },
  },
})
