import { onBeforeUnmount, ref, type Ref } from 'vue'

/** A resend countdown in whole seconds (获取验证码 … 59 秒后重发), stopped when the page goes. */
export function useCountdown(): { countdown: Ref<number>; start: (seconds: number) => void } {
  const countdown = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined
  function start(seconds: number): void {
    countdown.value = seconds
    clearInterval(timer)
    timer = setInterval(() => {
      countdown.value -= 1
      if (countdown.value <= 0) clearInterval(timer)
    }, 1000)
  }
  onBeforeUnmount(() => clearInterval(timer))
  return { countdown, start }
}
