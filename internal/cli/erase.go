package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/dfu"
)

// parseIndexList reads "0,2,4-6" into sorted, distinct indexes.
func parseIndexList(flag, s string) ([]int, error) {
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b-a > 1024 {
			return nil, usageError("--%s %q: give sector numbers like 0,2,4-6", flag, s)
		}
		for i := a; i <= b; i++ {
			seen[i] = true
		}
	}
	var out []int
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out, nil
}

// parseRange reads START-END (inclusive) or START+LENGTH.
func parseRange(s string) (uint32, uint64, error) {
	bad := usageError("--range %q: write START-END (inclusive) or START+LENGTH, for example 0x08000000-0x0801ffff or 0x08000000+128K", s)
	if a, b, ok := strings.Cut(s, "+"); ok {
		start, err := parseAddress("range", a)
		if err != nil {
			return 0, 0, bad
		}
		n, err := parseSize("range", b)
		if err != nil {
			return 0, 0, bad
		}
		return start, uint64(n), nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, bad
	}
	start, err1 := parseAddress("range", a)
	end, err2 := parseAddress("range", b)
	if err1 != nil || err2 != nil || end < start {
		return 0, 0, bad
	}
	return start, uint64(end-start) + 1, nil
}

func (e *env) eraseCommand() *cobra.Command {
	var sel selection
	var sectors, addresses, rng string
	var mass, noVerify bool
	c := &cobra.Command{
		Use:   "erase",
		Short: "Erase flash sectors (by number, address or range) or the whole flash (--mass)",
		Long: `Erase sectors of a board in the ROM bootloader, then read them back to check
they are blank (unless --no-verify): a write-protected sector is silently
left as it was by the ROM, and the check names it.

Choose the sectors with --sector 0,2,4-6 (numbers as in softdfu info and the
plan), --address A[,B...] (the sectors holding these addresses), --range
START-END or START+LENGTH (every sector the range touches), or --mass for
the whole flash (up to 32 s on a 1 MB part).`,
		Args: exactArgs(0, "no arguments (choose sectors with --sector, --address, --range or --mass)"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if !mass && sectors == "" && addresses == "" && rng == "" {
				return usageError("erase needs --sector, --address, --range or --mass")
			}
			if mass && (sectors != "" || addresses != "" || rng != "") {
				return usageError("--mass erases everything: give it alone")
			}
			var idx []int
			var err error
			if sectors != "" {
				if idx, err = parseIndexList("sector", sectors); err != nil {
					return err
				}
			}
			var addrs []uint32
			if addresses != "" {
				for _, a := range strings.Split(addresses, ",") {
					v, err := parseAddress("address", strings.TrimSpace(a))
					if err != nil {
						return err
					}
					addrs = append(addrs, v)
				}
			}
			var rStart uint32
			var rLen uint64
			if rng != "" {
				if rStart, rLen, err = parseRange(rng); err != nil {
					return err
				}
			}
			s, err := e.openSession(ctx, &sel, "erase", nil)
			if err != nil {
				return err
			}
			defer s.close()
			l := s.conn.Layout()
			all := l.All()
			todo := map[int]dfu.Sector{}
			for _, i := range idx {
				if i >= len(all) {
					return usageError("--sector %d: the board has sectors 0-%d (%s)", i, len(all)-1, l.Describe(0))
				}
				todo[i] = all[i]
			}
			for _, a := range addrs {
				sec, ok := l.Find(a)
				if !ok {
					return usageError("--address 0x%08x is in no sector of %s", a, l.Describe(0))
				}
				todo[sec.Index] = sec
			}
			if rng != "" {
				if !l.Inside(rStart, rLen, 0) {
					return usageError("--range %s reaches outside %s", rng, l.Describe(0))
				}
				for _, sec := range l.Touched(rStart, rLen) {
					todo[sec.Index] = sec
				}
			}
			if mass {
				for _, sec := range all {
					todo[sec.Index] = sec
				}
			}
			var list []dfu.Sector
			for _, sec := range todo {
				if sec.Flags&dfu.Erasable == 0 {
					return usageError("sector %d at 0x%08x cannot be erased (flags %v)", sec.Index, sec.Address, sec.Flags)
				}
				list = append(list, sec)
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Index < list[j].Index })

			t := e.tracker(s.board.Path, "")
			defer e.stopProgress()
			err = e.erase(c, s, t, list, mass, noVerify)
			var nums []int
			for _, sec := range list {
				nums = append(nums, sec.Index)
			}
			e.result(s.board.Path, err, map[string]any{"sectors": nums, "mass": mass, "blank_checked": !noVerify})
			if err != nil {
				t.finish(err)
				return err
			}
			defer t.finish(nil) // after the last line: nothing may print once every bar is complete
			check := "checked blank"
			if noVerify {
				check = "not checked (--no-verify)"
			}
			if mass {
				e.say("mass-erased the flash of %s (%d sectors), %s", s.board.Path, len(list), check)
			} else {
				e.say("erased %d sector(s) of %s (%s), %s", len(list), s.board.Path, indexText(nums), check)
			}
			return nil
		},
	}
	sel.flags(c.Flags())
	c.Flags().StringVar(&sectors, "sector", "", "sector numbers to erase: 0,2,4-6")
	c.Flags().StringVar(&addresses, "address", "", "erase the sectors holding these addresses: A[,B...]")
	c.Flags().StringVar(&rng, "range", "", "erase every sector the range touches: START-END or START+LENGTH")
	c.Flags().BoolVar(&mass, "mass", false, "erase the whole flash (mass erase)")
	c.Flags().BoolVar(&noVerify, "no-verify", false, "do not read the sectors back to check they are blank")
	return c
}

// erase erases the sectors (or mass-erases) and checks they are blank.
func (e *env) erase(c *cobra.Command, s *session, t *tracker, list []dfu.Sector, mass, noVerify bool) error {
	ctx := c.Context()
	if mass {
		t.setPhase("mass-erase", "mass erase: the whole flash (up to 32 s on a 1 MB part)")
		if err := s.conn.MassErase(ctx); err != nil {
			return err
		}
	} else {
		t.setPhase("erase", "erasing")
		for i, sec := range list {
			if err := s.conn.Erase(ctx, sec.Address); err != nil {
				return err
			}
			t.update("erase", i+1, len(list))
		}
	}
	if noVerify {
		return nil
	}
	total := 0
	for _, sec := range list {
		total += int(sec.Size)
	}
	t.setPhase("blank-check", "checking the sectors are blank")
	done := 0
	for _, sec := range list {
		data, err := s.conn.Upload(ctx, sec.Address, int(sec.Size), func(n int) { t.update("blank-check", done+n, total) })
		if err != nil {
			return err
		}
		done += int(sec.Size)
		for i, v := range data {
			if v != 0xff {
				return verifyError(fmt.Errorf("sector %d at 0x%08x is not blank after erase (0x%02x at 0x%08x): it is write-protected; remove the protection with softdfu option-bytes --write-unprotect %d --yes", sec.Index, sec.Address, v, sec.Address+uint32(i), sec.Index))
			}
		}
	}
	return nil
}

// indexText prints sector numbers as 0,2,4-6.
func indexText(n []int) string {
	var parts []string
	for i := 0; i < len(n); {
		j := i
		for j+1 < len(n) && n[j+1] == n[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", n[i], n[j]))
		} else {
			parts = append(parts, fmt.Sprint(n[i]))
		}
		i = j + 1
	}
	return "sector " + strings.Join(parts, ",")
}
