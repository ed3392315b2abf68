package stm32f4

import "time"

const dayMillis = 24 * 60 * 60 * 1000

// rtcMillis reads the RTC as milliseconds since midnight. It reports false
// when the RTC is not enabled (RCC_BDCR RTCEN), its calendar was never
// initialised (RTC_ISR INITS), or the shadow registers do not synchronise.
// RM0090 26.3.6 (the same rule on F7, H7 and L4): after a system reset wait for RTC_ISR RSF before reading
// the calendar; reading RTC_SSR or RTC_TR locks the higher-order shadow
// registers until RTC_DR is read, so RTC_DR is read last.
func (d *Device) rtcMillis() (uint32, bool) {
	if d.bus.Read32(d.f.r.bdcr)&bdcrRTCEN == 0 {
		return 0, false
	}
	synced := false
	for range pollLimit {
		isr := d.bus.Read32(d.f.r.rtc + rtcISR)
		if isr&rtcISRINITS == 0 {
			return 0, false
		}
		if isr&rtcISRRSF != 0 {
			synced = true
			break
		}
	}
	if !synced {
		return 0, false
	}
	ssr := d.bus.Read32(d.f.r.rtc+rtcSSR) & 0xFFFF
	tr := d.bus.Read32(d.f.r.rtc + rtcTR)
	_ = d.bus.Read32(d.f.r.rtc + rtcDR)
	prediv := d.bus.Read32(d.f.r.rtc+rtcPRER) & 0x7FFF
	bcd := func(v uint32) uint32 { return (v>>4&0xF)*10 + v&0xF }
	secs := bcd(tr>>16&0x3F)*3600 + bcd(tr>>8&0x7F)*60 + bcd(tr&0x7F)
	var ms uint32
	if ssr <= prediv {
		ms = (prediv - ssr) * 1000 / (prediv + 1)
	}
	return (secs*1000 + ms) % dayMillis, true
}

// age returns how long ago the time of day then was, seen at now (both in
// milliseconds since midnight; the day wraps).
func age(now, then uint32) time.Duration {
	if then >= dayMillis {
		return 24 * time.Hour // garbage stamp: treat as very old
	}
	return time.Duration((now+dayMillis-then)%dayMillis) * time.Millisecond
}
