package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

// eraseFlags are the flags of erase.
type eraseFlags struct {
	sectors, addresses, rng string
	mass, noVerify, yes     bool
}

// request checks the flags and turns them into a board.EraseRequest.
func (f *eraseFlags) request() (board.EraseRequest, error) {
	r, err := board.EraseInput{Sectors: f.sectors, Addresses: f.addresses, Range: f.rng, Mass: f.mass, NoBlankCheck: f.noVerify}.Request()
	var fe *board.FieldError
	switch {
	case errors.Is(err, board.ErrNothingToErase):
		return r, usageError("erase needs --sector, --address, --range or --mass")
	case errors.Is(err, board.ErrMassNotAlone):
		return r, usageError("--mass erases everything: give it alone")
	case errors.As(err, &fe) && fe.Field == "address":
		return r, usageError("--address %q is %v", fe.Value, fe.Err)
	case errors.As(err, &fe):
		return r, usageError("--%s %q: %v", fe.Field, fe.Value, fe.Err)
	}
	return r, err
}

// badSector names the flag of a sector, address or range the board does
// not have.
func (f *eraseFlags) badSector(err error) error {
	var be *board.BadSectorError
	if !errors.As(err, &be) {
		return err
	}
	v := be.Value
	if be.Field == "range" {
		v = f.rng
	}
	return usageError("--%s %s%s", be.Field, v, be.Detail)
}

func (e *env) eraseCommand() *cobra.Command {
	var sel selection
	var f eraseFlags
	c := &cobra.Command{
		Use:   "erase",
		Short: "Erase flash sectors (by number, address or range) or the whole flash (--mass)",
		Long: `Erase sectors of a board in the ROM bootloader, then read them back to check
they are blank (unless --no-verify): a write-protected sector is silently
left as it was by the ROM, and the check names it.

Choose the sectors with --sector 0,2,4-6 (numbers as in softdfu info and the
plan), --address A[,B...] (the sectors holding these addresses), --range
(every sector the range touches), or --mass for the whole flash (up to 32 s
on a 1 MB part).

--range takes START+LENGTH (0x08000000+64K: sectors 0-3 of an F4) or
START-END with END inclusive (0x08000000-0x0800ffff is the same; END
0x08010000 would also touch sector 4). The sectors a range resolves to are
printed before anything is erased; when they reach beyond the range (it
starts or ends inside a sector), nothing is erased without --yes.`,
		Args: exactArgs(0, "no arguments (choose sectors with --sector, --address, --range or --mass)"),
		RunE: func(c *cobra.Command, args []string) error {
			req, err := f.request()
			if err != nil {
				return err
			}
			s, err := e.openSession(c.Context(), &sel, "erase", enter.ForChanging)
			if err != nil {
				return err
			}
			defer s.Close()
			list, err := s.Sectors(req)
			if err != nil {
				return f.badSector(err)
			}
			if err := e.checkRange(&f, req, list); err != nil {
				return err
			}
			return e.erase(c.Context(), s.Session, list, req)
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&f.sectors, "sector", "", "sector numbers to erase: 0,2,4-6")
	c.Flags().StringVar(&f.addresses, "address", "", "erase the sectors holding these addresses: A[,B...]")
	c.Flags().StringVar(&f.rng, "range", "", "erase every sector the range touches: START+LENGTH (0x08000000+64K) or START-END, END inclusive (0x08000000-0x0800ffff)")
	c.Flags().BoolVar(&f.yes, "yes", false, "erase the sectors a --range resolves to even where they reach beyond the range (for scripts)")
	c.Flags().BoolVar(&f.mass, "mass", false, "erase the whole flash (mass erase)")
	c.Flags().BoolVar(&f.noVerify, "no-verify", false, "do not read the sectors back to check they are blank")
	return c
}

// checkRange prints the sectors a --range resolves to and, before anything
// is erased, refuses them without --yes when they reach beyond the range.
func (e *env) checkRange(f *eraseFlags, req board.EraseRequest, list []board.Sector) error {
	if f.rng == "" || len(req.Ranges) != 1 || len(list) == 0 {
		return nil
	}
	c := board.CoverOf(req.Ranges[0], list)
	e.say("--range %s: %s", f.rng, c)
	if c.Exact() || f.yes {
		return nil
	}
	msg := fmt.Sprintf("--range %s %s: add --yes to erase them anyway, or give whole sectors", f.rng, c.Partial())
	if h := c.EndHint(); h != "" {
		msg += " " + h
	}
	return usageError("%s", msg)
}

// erase erases the sectors (or mass-erases), checks they are blank and
// reports.
func (e *env) erase(ctx context.Context, s *board.Session, list []board.Sector, req board.EraseRequest) error {
	path := s.Board.Path
	t := e.tracker(path, "")
	defer e.stopProgress()
	err := s.Erase(ctx, list, req.Mass, req.NoBlankCheck, e.events(t, false))
	var nb *board.NotBlankError
	if errors.As(err, &nb) {
		err = board.Errorf(board.Verify, "%s; remove the protection with softdfu option-bytes --write-unprotect %d --yes", nb.Found(), nb.Sector.Index)
	}
	done := board.EraseDone(list, req)
	return e.finish(t, err, done, flagWords.Replace(done.Text(path)))
}
