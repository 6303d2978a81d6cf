"""Hall appointments (预约), the called queue at the hall (取号叫号) and the waiting list."""
