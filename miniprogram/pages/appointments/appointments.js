// @ts-check
/**
 * 我的预约 and 预约办事 in one page (the PWA's Appointments.vue and AppointmentNew.vue).
 *
 * - Mine: upcoming (held / offered / booked / at the hall) and past appointments with the server's status labels,
 *   a waiting-list place, a suspension, the no-show rule; empty: how to book. Tap one → pages/appointment. Without
 *   signal: the list as last seen, saying when, with 重试 and no buttons that need the server.
 * - Booking (?book=1, optional &service=CODE &hall=CODE): hall → item (when none was given) → day (the others say
 *   why not) → time with the places left (full ones shown as 已满) → 确认预约: wx.requestSubscribeMessage first (in
 *   the tap), then hold + confirm (one Idempotency-Key per chosen time) → pages/appointment. A time taken meanwhile
 *   (409 appointments.slot_full) says so and lists the times again.
 * - Moving a booking (?reschedule=ID): the same day and time pickers, a confirm, then POST …/reschedule.
 * - 候补 (the PWA's waiting list): a full day whose list is open offers 排候补 (the appointment notice asked in the
 *   tap first); mine lists each place in a line with 退出候补 (after a question) and an offered place with its
 *   deadline and 接受这个名额. A suspension can be appealed in writing (申诉); once appealed, the server's state shows.
 */
const pageBehavior = require('../../behaviors/page')
const { api } = require('../../utils/api')
const { ApiError, messageOf, newKey } = require('../../utils/http')
const { subscribe } = require('../../utils/subscribe')
const { dayText, timeText, whenText } = require('../../utils/appointments')
const { keep, offlineCopy } = require('../../utils/offline')

/** @typedef {import('../../utils/api').Schemas} Schemas */
/** @typedef {Schemas['AppointmentOut']} Appointment */
/** @typedef {Schemas['AppointmentList']} Mine */

const ACTIVE = ['held', 'offered', 'booked']
const SLOT_TAKEN = '这个时段刚被约满了，请换一个时段'
const SELF = '/pages/appointments/appointments'

/** @param {Appointment} a */
function appointmentView(a) {
  const atHall = a.status === 'checked_in' && a.ticket
  return {
    id: a.id,
    service: a.service_name,
    when: whenText(a),
    hall: a.hall.name,
    status: a.status,
    tag: atHall && a.ticket ? `${a.ticket.label} · ${a.ticket.status_label}` : a.status_label,
    deadline: a.hold_until ? timeText(a.hold_until) : '',
  }
}

/** @param {Appointment} a */
function isUpcoming(a) {
  return ACTIVE.includes(a.status) || Boolean(a.status === 'checked_in' && a.ticket && ['waiting', 'called'].includes(a.ticket.status))
}

/** A place in a day's waiting line, or the place it offered (with its deadline). @param {Schemas['WaitingOut']} w */
function waitingView(w) {
  const offer = w.status === 'offered' && w.offer ? w.offer : null
  return {
    id: w.id,
    service: w.service_name,
    label: w.status === 'waiting' ? `${dayText(w.date)} · ${w.hall.name}；这一天共 ${w.length} 人在候补，有人取消时按先后通知` : `${dayText(w.date)} · ${w.hall.name}`,
    status: w.status,
    tag: w.status === 'offered' ? w.status_label : `候补第 ${w.position} 位`,
    offerId: offer ? offer.id : 0,
    offerText: offer ? `已为您保留 ${whenText(offer)}，请在 ${offer.hold_until ? timeText(offer.hold_until) : ''} 前确认，过时会让给下一位。` : '',
  }
}

/** @type {Map<string, string>} chosen time → Idempotency-Key: a retried tap is the same booking */
const keys = new Map()

Component({
  behaviors: [pageBehavior],
  data: {
    shown: false,
    mode: /** @type {'list' | 'book'} */ ('list'),
    state: /** @type {'loading' | 'ready' | 'login' | 'verify' | 'failed'} */ ('loading'),
    error: '',
    // mine
    upcoming: /** @type {ReturnType<typeof appointmentView>[]} */ ([]),
    past: /** @type {ReturnType<typeof appointmentView>[]} */ ([]),
    waiting: /** @type {ReturnType<typeof waitingView>[]} */ ([]),
    suspension: /** @type {{ until: string, rule: string, status: string, statusLabel: string, canAppeal: boolean, appeal: string } | null} */ (null),
    // 申诉: the written reason, its error, sending
    appealing: false,
    appealText: '',
    appealError: '',
    appealBusy: false,
    /** the waiting entry (id) being left or accepted */
    waitingBusy: 0,
    rule: '',
    /** set when 我的预约 shows the copy kept on the phone (no connection): when it was fetched */
    asOf: '',
    // booking
    step: /** @type {'hall' | 'service' | 'day' | 'slot'} */ ('hall'),
    halls: /** @type {{ code: string, name: string, address: string, hours: string, usable: boolean }[]} */ ([]),
    hallCode: '',
    hallName: '',
    hallAddress: '',
    services: /** @type {{ code: string, name: string }[]} */ ([]),
    service: '',
    serviceName: '',
    days: /** @type {{ date: string, text: string, bookable: boolean, full: boolean, reason: string }[]} */ ([]),
    warning: '',
    date: '',
    dateText: '',
    slots: /** @type {{ start: string, end: string, remaining: number, full: boolean }[]} */ ([]),
    dayFull: false,
    /** the full day's waiting list: open to join, how many wait */
    waitingOpen: false,
    waitingLength: 0,
    chosen: /** @type {{ start: string, end: string } | null} */ (null),
    busy: false,
    notice: '',
    moving: /** @type {{ id: number, when: string } | null} */ (null),
  },
  methods: {
    /** @param {Record<string, string | undefined>} query */
    async onLoad(query) {
      const rescheduleId = Number(query.reschedule || 0)
      if (rescheduleId) return this.startReschedule(rescheduleId)
      if (query.book) {
        const service = query.service ? decodeURIComponent(query.service) : ''
        const hall = query.hall ? decodeURIComponent(query.hall) : ''
        this.setData({ mode: 'book', service })
        wx.setNavigationBarTitle({ title: '预约办事' })
        if (hall) return this.chooseHallCode(hall)
        return this.loadHalls()
      }
      return this.loadMine()
    },
    onShow() {
      // Back from an appointment (cancelled, moved): the list again.
      const again = this.data.shown
      this.setData({ shown: true }) // the first show follows onLoad, which loaded already
      if (again && this.data.mode === 'list' && this.data.state === 'ready') return this.loadMine()
      return undefined
    },

    /** A failure of a call: 401 → login, 403 auth.* → 实名认证, else the Chinese detail. @param {unknown} e */
    failed(e) {
      if (e instanceof ApiError && e.status === 401) this.setData({ state: 'login' })
      else if (e instanceof ApiError && e.status === 403 && String(e.code).startsWith('auth.')) this.setData({ state: 'verify' })
      else this.setData({ state: 'failed', error: messageOf(e) })
    },
    here() {
      if (this.data.moving) return `${SELF}?reschedule=${this.data.moving.id}`
      return this.data.mode === 'book' ? `${SELF}?book=1${this.data.service ? `&service=${encodeURIComponent(this.data.service)}` : ''}` : SELF
    },
    login() {
      wx.navigateTo({ url: `/pages/login/login?next=${encodeURIComponent(this.here())}` })
    },
    verify() {
      wx.navigateTo({ url: `/pages/identity/identity?next=${encodeURIComponent(this.here())}` })
    },
    retry() {
      if (this.data.mode === 'list') return this.loadMine()
      if (this.data.step === 'hall') return this.loadHalls()
      if (this.data.step === 'service') return this.chooseHallCode(this.data.hallCode)
      if (this.data.step === 'day') return this.loadDays()
      return this.loadSlots()
    },

    // ---- mine ----------------------------------------------------------------------------------
    async loadMine() {
      try {
        const mine = await api.myAppointments()
        keep('appointments', mine)
        this.showMine(mine, '')
      } catch (e) {
        const copy = offlineCopy(e, 'appointments')
        // No connection: my appointments as last seen, saying when (nothing to change until it is back).
        if (copy) this.showMine(/** @type {Mine} */ (copy.value), copy.asOf)
        else this.failed(e)
      }
    },
    /** @param {Mine} mine @param {string} seen  when the copy shown was fetched ('' = just now) */
    showMine(mine, seen) {
      const upcoming = mine.items.filter(isUpcoming)
      const suspension = mine.suspension && ['active', 'appealed'].includes(mine.suspension.status) ? mine.suspension : null
      this.setData({
        state: 'ready',
        upcoming: upcoming.map(appointmentView),
        past: mine.items.filter((a) => !isUpcoming(a)).map(appointmentView),
        waiting: mine.waiting.filter((w) => ['waiting', 'offered'].includes(w.status)).map(waitingView),
        suspension: suspension
          ? {
              until: dayText(suspension.until),
              rule: suspension.rule,
              status: suspension.status,
              statusLabel: suspension.status_label,
              canAppeal: suspension.can_appeal,
              appeal: suspension.appeal || '',
            }
          : null,
        rule: mine.no_show_rule,
        asOf: seen,
      })
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    open(event) {
      wx.navigateTo({ url: `/pages/appointment/appointment?id=${event.currentTarget.dataset.id}` })
    },
    book() {
      wx.navigateTo({ url: `${SELF}?book=1` })
    },

    // ---- mine: 候补 ------------------------------------------------------------------------------
    /** 接受这个名额: the offered place is booked (the appointment notice asked in the tap first). @param {WechatMiniprogram.BaseEvent} event */
    acceptOffer(event) {
      const w = this.data.waiting.find((x) => x.id === Number(event.currentTarget.dataset.id))
      if (!w || !w.offerId || this.data.waitingBusy) return undefined
      const asked = subscribe(['appointment']) // before any await: WeChat shows the dialog only from a tap
      return this.accepting(w.id, w.offerId, asked)
    },
    /** @param {number} entryId @param {number} appointmentId @param {Promise<unknown>} asked */
    async accepting(entryId, appointmentId, asked) {
      this.setData({ waitingBusy: entryId })
      try {
        await asked
        const booked = await api.acceptAppointment(appointmentId)
        wx.showToast({ title: '已约上，请按时到大厅', icon: 'success' })
        wx.navigateTo({ url: `/pages/appointment/appointment?id=${booked.id}` })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' }) // lapsed meanwhile …: the server's words
      } finally {
        this.setData({ waitingBusy: 0 })
      }
      await this.loadMine()
    },
    /** 退出候补, after a question. @param {WechatMiniprogram.BaseEvent} event */
    async leaveWaiting(event) {
      const w = this.data.waiting.find((x) => x.id === Number(event.currentTarget.dataset.id))
      if (!w || this.data.waitingBusy) return
      const answer = await wx.showModal({
        title: '退出候补',
        content: w.offerId ? '确定退出这一天的候补吗？为您保留的名额会让给下一位。' : '确定退出这一天的候补吗？',
        confirmText: '退出候补',
        cancelText: '取消',
      })
      if (!answer.confirm) return
      this.setData({ waitingBusy: w.id })
      try {
        await api.leaveWaiting(w.id)
        wx.showToast({ title: '已退出候补', icon: 'success' })
      } catch (e) {
        wx.showToast({ title: messageOf(e), icon: 'none' })
      } finally {
        this.setData({ waitingBusy: 0 })
      }
      await this.loadMine()
    },

    // ---- mine: 申诉 of a suspension ----------------------------------------------------------------
    startAppeal() {
      this.setData({ appealing: true, appealText: '', appealError: '' })
    },
    stopAppeal() {
      this.setData({ appealing: false, appealError: '' })
    },
    /** @param {WechatMiniprogram.CustomEvent} event */
    onAppealText(event) {
      this.setData({ appealText: String(event.detail), appealError: '' })
    },
    async sendAppeal() {
      const text = this.data.appealText.trim()
      if (this.data.appealBusy) return
      // Counted in characters as the server counts them (a character outside the BMP, such as 𠮷, is one, not two).
      if (Array.from(text).length < 2) {
        this.setData({ appealError: '请写明原因（至少 2 个字）' })
        return
      }
      this.setData({ appealBusy: true, appealError: '' })
      try {
        await api.appealSuspension(text)
        this.setData({ appealing: false })
        wx.showToast({ title: '申诉已提交', icon: 'success' })
        await this.loadMine()
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) this.login()
        else if (e instanceof ApiError && e.code === 'appointments.not_suspended') {
          // Appealed meanwhile (another device, an older page) or no longer suspended: the server's words, then
          // the state as it is now, not a form that can never be sent.
          wx.showToast({ title: messageOf(e), icon: 'none' })
          this.setData({ appealing: false })
          await this.loadMine()
        } else this.setData({ appealError: (e instanceof ApiError && e.fieldMessage('text')) || messageOf(e) })
      } finally {
        this.setData({ appealBusy: false })
      }
    },
    services() {
      wx.navigateTo({ url: '/pages/services/services' })
    },

    // ---- booking: hall ---------------------------------------------------------------------------
    async loadHalls() {
      this.setData({ step: 'hall', state: 'loading', error: '' })
      try {
        const list = (await api.halls()).items
        const service = this.data.service
        /** @type {Record<string, string[]>} */
        const offered = {}
        if (service) {
          // Which halls take this item: a few halls, each looked at once.
          const got = await Promise.allSettled(list.filter((h) => h.bookable).map((h) => api.hall(h.code)))
          for (const r of got) if (r.status === 'fulfilled') offered[r.value.code] = r.value.services.map((s) => s.code)
        }
        const halls = list
          .map((h) => ({
            code: h.code,
            name: h.name,
            address: h.address,
            hours: h.hours,
            usable: h.bookable && (!service || (offered[h.code] || []).includes(service)),
          }))
          .sort((a, b) => Number(b.usable) - Number(a.usable))
        this.setData({ halls, state: 'ready' })
      } catch (e) {
        this.failed(e)
      }
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    chooseHall(event) {
      const hall = this.data.halls.find((h) => h.code === event.currentTarget.dataset.code)
      if (!hall) return undefined
      if (!hall.usable) {
        wx.showToast({ title: '该大厅不能预约此事项', icon: 'none' })
        return undefined
      }
      return this.chooseHallCode(hall.code)
    },
    /** @param {string} code */
    async chooseHallCode(code) {
      this.setData({ state: 'loading', error: '', hallCode: code })
      try {
        const hall = await api.hall(code)
        const services = hall.services
        const picked = services.find((s) => s.code === this.data.service)
        this.setData({ hallName: hall.name, hallAddress: hall.address, services })
        if (this.data.service && picked) {
          this.setData({ serviceName: picked.name })
          return this.loadDays()
        }
        if (this.data.service) {
          // Not at this hall: pick another (or another item).
          this.setData({ service: '', serviceName: '' })
        }
        this.setData({ step: 'service', state: 'ready' })
      } catch (e) {
        this.failed(e)
      }
      return undefined
    },
    changeHall() {
      this.setData({ hallCode: '', date: '', chosen: null, notice: '' })
      return this.loadHalls()
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    chooseService(event) {
      const s = this.data.services.find((x) => x.code === event.currentTarget.dataset.code)
      if (!s) return undefined
      this.setData({ service: s.code, serviceName: s.name })
      return this.loadDays()
    },

    // ---- booking: day and time -------------------------------------------------------------------
    async loadDays() {
      this.setData({ step: 'day', state: 'loading', error: '', date: '', chosen: null, notice: '' })
      try {
        const answer = await api.hallDays(this.data.hallCode, this.data.service)
        this.setData({
          days: answer.days.map((d) => ({
            date: d.date,
            text: dayText(d.date),
            bookable: d.bookable,
            full: d.full,
            reason: d.full ? '已约满' : d.reason,
          })),
          warning: answer.warning || '',
          state: 'ready',
        })
      } catch (e) {
        this.failed(e)
      }
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    chooseDay(event) {
      const day = this.data.days.find((d) => d.date === event.currentTarget.dataset.date)
      if (!day || (!day.bookable && !day.full)) return undefined
      this.setData({ date: day.date, dateText: day.text })
      return this.loadSlots()
    },
    changeDay() {
      return this.loadDays()
    },
    async loadSlots() {
      this.setData({ step: 'slot', state: 'loading', error: '', chosen: null })
      try {
        const list = await api.hallSlots(this.data.hallCode, this.data.date, this.data.service)
        const slots = list.slots.map((s) => ({ start: s.start, end: s.end, remaining: s.remaining, full: s.remaining <= 0 }))
        this.setData({
          slots,
          dayFull: list.full || (slots.length > 0 && slots.every((s) => s.full)),
          waitingOpen: list.waiting.open,
          waitingLength: list.waiting.length,
          state: 'ready',
        })
      } catch (e) {
        this.failed(e)
      }
    },
    /** @param {WechatMiniprogram.BaseEvent} event */
    chooseSlot(event) {
      const slot = this.data.slots.find((s) => s.start === event.currentTarget.dataset.start)
      if (!slot || this.data.busy) return
      if (slot.full) {
        wx.showToast({ title: '这个时段已约满，请换一个时段', icon: 'none' })
        return
      }
      this.setData({ chosen: { start: slot.start, end: slot.end }, notice: '' })
    },
    keyFor(/** @type {string} */ start) {
      const k = `${this.data.moving ? this.data.moving.id : ''}|${this.data.hallCode}|${this.data.service}|${this.data.date}|${start}`
      if (!keys.has(k)) keys.set(k, newKey())
      return /** @type {string} */ (keys.get(k))
    },

    /** 确认预约. The subscribe dialog is asked first, in the tap itself (WeChat allows it only there). */
    confirm() {
      const chosen = this.data.chosen
      if (!chosen || this.data.busy) return undefined
      if (this.data.moving) return this.reschedule(chosen)
      const asked = subscribe(['appointment']) // before any await: WeChat shows the dialog only from a tap
      return this.holdAndConfirm(chosen, asked)
    },
    /** @param {{ start: string, end: string }} chosen @param {Promise<unknown>} asked */
    async holdAndConfirm(chosen, asked) {
      this.setData({ busy: true, notice: '' })
      try {
        await asked // the answer is reported first, so the booked notice can use the credit
        const key = this.keyFor(chosen.start)
        let a = await api.holdAppointment(
          { hall_code: this.data.hallCode, service_code: this.data.service, date: this.data.date, start: chosen.start },
          key,
        )
        if (a.status === 'held') a = await api.confirmAppointment(a.id)
        keys.clear()
        wx.showToast({ title: '预约成功', icon: 'success' })
        wx.redirectTo({ url: `/pages/appointment/appointment?id=${a.id}` })
      } catch (e) {
        await this.explain(e)
      } finally {
        this.setData({ busy: false })
      }
    },
    /** @param {unknown} e */
    async explain(e) {
      const code = e instanceof ApiError ? e.code : ''
      if (e instanceof ApiError && e.status === 401) return this.login()
      if (code === 'auth.identity_required' || code === 'auth.verification_required') return this.verify()
      if (code === 'appointments.slot_full') {
        wx.showToast({ title: SLOT_TAKEN, icon: 'none' })
        this.setData({ notice: SLOT_TAKEN })
        await this.loadSlots()
        this.setData({ notice: SLOT_TAKEN })
        return undefined
      }
      if (code === 'appointments.not_full') {
        // A place came free meanwhile: the times again, with the server's words.
        const words = messageOf(e)
        await this.loadSlots()
        this.setData({ notice: words })
        return undefined
      }
      if (e instanceof ApiError && e.status === 429) {
        this.setData({ notice: '操作太频繁，请稍后再试' })
        return undefined
      }
      // already booked that day, too many, suspended, too late …: the server's words
      this.setData({ notice: messageOf(e) })
      return undefined
    },

    // ---- the waiting list of a full day ------------------------------------------------------------
    /** 排候补: the appointment notice asked in the tap first (an offer is sent as one), then the join. */
    joinWaiting() {
      if (this.data.busy || this.data.moving || !this.data.waitingOpen) return undefined
      const asked = subscribe(['appointment']) // before any await: WeChat shows the dialog only from a tap
      return this.joining(asked)
    },
    /** @param {Promise<unknown>} asked */
    async joining(asked) {
      this.setData({ busy: true, notice: '' })
      try {
        await asked // reported first, so the offer's notice can use the credit
        const entry = await api.joinWaiting({ hall_code: this.data.hallCode, service_code: this.data.service, date: this.data.date })
        await wx.showModal({
          title: '排候补',
          content: `已加入候补，第 ${entry.position} 位。有名额时会通知您，请在期限内确认。`,
          confirmText: '查看我的预约',
          showCancel: false,
        })
        wx.redirectTo({ url: SELF })
      } catch (e) {
        await this.explain(e) // already waiting, already booked that day, too many, suspended …: the server's words
      } finally {
        this.setData({ busy: false })
      }
      return undefined
    },

    // ---- moving a booking ----------------------------------------------------------------------
    /** @param {number} id */
    async startReschedule(id) {
      this.setData({ mode: 'book', state: 'loading' })
      wx.setNavigationBarTitle({ title: '改约' })
      try {
        const a = await api.appointment(id)
        this.setData({
          moving: { id: a.id, when: whenText(a) },
          hallCode: a.hall.code,
          hallName: a.hall.name,
          hallAddress: a.hall.address,
          service: a.service_code,
          serviceName: a.service_name,
        })
        await this.loadDays()
      } catch (e) {
        this.failed(e)
      }
    },
    /** @param {{ start: string, end: string }} chosen */
    async reschedule(chosen) {
      const moving = this.data.moving
      if (!moving) return
      const when = `${this.data.dateText} ${chosen.start}–${chosen.end}`
      const answer = await wx.showModal({ title: '改约', content: `改约到 ${when}？原来的时段会让给别人。`, confirmText: '确认改约', cancelText: '取消' })
      if (!answer.confirm) return
      this.setData({ busy: true, notice: '' })
      try {
        const moved = await api.rescheduleAppointment(moving.id, { date: this.data.date, start: chosen.start }, this.keyFor(chosen.start))
        keys.clear()
        wx.showToast({ title: '已改约', icon: 'success' })
        wx.redirectTo({ url: `/pages/appointment/appointment?id=${moved.id}` })
      } catch (e) {
        await this.explain(e)
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
