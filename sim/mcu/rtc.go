package mcu

import "time"

// rtcEpoch is the calendar of a fresh backup domain (RTC_DR reset value
// 2000-01-01, RTC_TR 00:00:00).
var rtcEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *Chip) resetBackupDomain() {
	c.bdcr = 0
	c.bkp = [rtcBKPMax]uint32{}
	c.rtcISR = rtcISRReset
	c.rtcPRER = rtcPRERReset
	c.rtcWPR = 0
	c.rtcBase = rtcEpoch
	c.rtcSetAt = c.now
}

// rtcRunning: RTCEN with the LSE selected and ready. (LSI and HSE/RTCPRE
// clocking are not modelled: the RTC then stands still.)
func (c *Chip) rtcRunning() bool {
	return c.bdcr&bdcrRTCEN != 0 && c.bdcr&bdcrRTCSELMask == bdcrRTCSELLSE && c.bdcr&bdcrLSERDY != 0
}

// calendar is the RTC's current date and time.
func (c *Chip) calendar() time.Time {
	if !c.rtcRunning() {
		return c.rtcBase
	}
	return c.rtcBase.Add(c.now - c.rtcSetAt)
}

// RTCTime returns the RTC calendar as the chip keeps it (model access for
// tests and boards, not a register).
func (c *Chip) RTCTime() time.Time { return c.calendar() }

// SetRTC sets the RTC calendar and marks it initialised (RTC_ISR INITS),
// standing in for the application's init-mode sequence, which the model
// does not implement. It needs the backup domain unlocked (PWR_CR DBP), as
// on silicon; it reports whether the calendar was set.
func (c *Chip) SetRTC(t time.Time) bool {
	if c.regs[pwrCR]&pwrCRDBP == 0 || c.state.Running == Off {
		return false
	}
	c.rtcBase, c.rtcSetAt = t.UTC(), c.now
	c.rtcISR |= rtcISRINITS
	return true
}

func bcd2(n int) uint32 { return uint32(n/10)<<4 | uint32(n%10) }

// readRTC reads an RTC register or backup register. The calendar shadow
// registers (TR, DR, SSR) read 0 until RTC_ISR RSF is set again after a
// system reset; reading RTC_ISR while the RTC runs completes that
// synchronisation (model simplification of "after two RTCCLK periods").
func (c *Chip) readRTC(addr uint32) (uint32, bool) {
	if addr >= rtcBKP0R {
		return c.bkp[(addr-rtcBKP0R)/4], true
	}
	synced := c.rtcISR&rtcISRRSF != 0
	t := c.calendar()
	switch addr {
	case rtcTR:
		if !synced {
			return 0, true
		}
		return bcd2(t.Hour())<<16 | bcd2(t.Minute())<<8 | bcd2(t.Second()), true
	case rtcDR:
		if !synced {
			return 0, true
		}
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return bcd2(t.Year()%100)<<16 | uint32(wd)<<13 | bcd2(int(t.Month()))<<8 | bcd2(t.Day()), true
	case rtcSSR:
		if !synced {
			return 0, true
		}
		s := c.rtcPRER & 0x7FFF
		frac := uint32(t.Nanosecond()) // 0..999999999
		return s - uint32(uint64(frac)*uint64(s+1)/1e9), true
	case rtcISR:
		if c.rtcRunning() {
			c.rtcISR |= rtcISRRSF
		}
		return c.rtcISR, true
	case rtcPRER:
		return c.rtcPRER, true
	case rtcWPR:
		return 0, true
	}
	return 0, true // other RTC registers (alarms, wake-up, ...) read 0
}

// writeRTC writes an RTC register. Every write needs PWR_CR DBP; all but
// RTC_WPR and the backup registers also need the RTC_WPR key (0xCA, 0x53).
func (c *Chip) writeRTC(addr, v uint32) bool {
	if c.regs[pwrCR]&pwrCRDBP == 0 {
		return true // silently ignored, as on silicon
	}
	switch {
	case addr >= rtcBKP0R:
		c.bkp[(addr-rtcBKP0R)/4] = v
	case addr == rtcWPR:
		switch {
		case v&0xFF == 0xCA:
			c.rtcWPR = 1
		case v&0xFF == 0x53 && c.rtcWPR == 1:
			c.rtcWPR = 2
		default:
			c.rtcWPR = 0
		}
	case c.rtcWPR != 2:
		// write-protected: ignored
	case addr == rtcISR:
		if v&rtcISRRSF == 0 {
			c.rtcISR &^= rtcISRRSF // rc_w0
		}
	case addr == rtcPRER:
		c.rtcPRER = v & 0x007F7FFF
	}
	return true
}
