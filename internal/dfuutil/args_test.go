package dfuutil

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, args ...string) *Args {
	t.Helper()
	a, err := Parse(args)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return a
}

func TestParseForms(t *testing.T) {
	def := func(f func(a *Args)) *Args {
		a := &Args{DetachDelay: 5, Vendor: Any, Product: Any, VendorDFU: Any, ProductDFU: Any,
			Config: -1, Interface: -1, Alt: -1, Devnum: -1}
		f(a)
		return a
	}
	for _, c := range []struct {
		args string
		want *Args
	}{
		{"-l", def(func(a *Args) { a.Mode = ModeList })},
		{"--list", def(func(a *Args) { a.Mode = ModeList })},
		{"--li", def(func(a *Args) { a.Mode = ModeList })},
		{"-V", def(func(a *Args) { a.Mode = ModeVersion })},
		{"-vvv -V", def(func(a *Args) { a.Mode = ModeVersion; a.Verbose = 3 })},
		{"-v -l -v", def(func(a *Args) { a.Mode = ModeList; a.Verbose = 2 })},
		{"-vl", def(func(a *Args) { a.Mode = ModeList; a.Verbose = 1 })},
		{"-e", def(func(a *Args) { a.Mode = ModeDetach })},
		{"-e -E 2", def(func(a *Args) { a.Mode = ModeDetach; a.DetachDelay = 2 })},
		{"--detach --detach-delay=0x10", def(func(a *Args) { a.Mode = ModeDetach; a.DetachDelay = 16 })},
		{"-d 0483:df11 -l", def(func(a *Args) { a.Mode = ModeList; a.Vendor, a.Product = 0x483, 0xdf11 })},
		{"-d 0x0483:0xdf11 -l", def(func(a *Args) { a.Mode = ModeList; a.Vendor, a.Product = 0x483, 0xdf11 })},
		{"-d 0483 -l", def(func(a *Args) { a.Mode = ModeList; a.Vendor = 0x483 })},
		{"-d :df11 -l", def(func(a *Args) { a.Mode = ModeList; a.Product = 0xdf11 })},
		{"-d xyz -l", def(func(a *Args) { a.Mode = ModeList })},
		{"-d *:* -l", def(func(a *Args) { a.Mode = ModeList })},
		{"-d -:df11 -l", def(func(a *Args) { a.Mode = ModeList; a.Vendor, a.Product = Impossible, 0xdf11 })},
		{"-d 1234:5678,0483:df11 -l", def(func(a *Args) {
			a.Mode = ModeList
			a.Vendor, a.Product, a.VendorDFU, a.ProductDFU = 0x1234, 0x5678, 0x483, 0xdf11
		})},
		{"-d 1234:5678, -l", def(func(a *Args) {
			a.Mode = ModeList
			a.Vendor, a.Product, a.VendorDFU, a.ProductDFU = 0x1234, 0x5678, 0x1234, 0x5678
		})},
		{"-d 1234:5678,:df11 -l", def(func(a *Args) {
			a.Mode = ModeList
			a.Vendor, a.Product, a.VendorDFU, a.ProductDFU = 0x1234, 0x5678, 0x1234, 0xdf11
		})},
		{"-d ,0483:df11 -l", def(func(a *Args) {
			a.Mode = ModeList
			a.Vendor, a.Product, a.VendorDFU, a.ProductDFU = Impossible, Impossible, 0x483, 0xdf11
		})},
		{"-d ,*:df11 -l", def(func(a *Args) {
			a.Mode = ModeList
			a.Vendor, a.Product, a.ProductDFU = Impossible, Impossible, 0xdf11
		})},
		{"-p 1-1.4 -l", def(func(a *Args) { a.Mode = ModeList; a.Path = "1-1.4" })},
		{"-c 1 -i 0 -l", def(func(a *Args) { a.Mode = ModeList; a.Config = 1; a.Interface = 0 })},
		{"-c 0 -l", def(func(a *Args) { a.Mode = ModeList })},
		{"--cfg=2 --intf 3 -l", def(func(a *Args) { a.Mode = ModeList; a.Config = 2; a.Interface = 3 })},
		{"-a 0 -l", def(func(a *Args) { a.Mode = ModeList; a.Alt = 0 })},
		{"-a0 -l", def(func(a *Args) { a.Mode = ModeList; a.Alt = 0 })},
		{"-a 0x1 -l", def(func(a *Args) { a.Mode = ModeList; a.Alt = 1 })},
		{"-a @Option -l", def(func(a *Args) { a.Mode = ModeList; a.AltName = "@Option" })},
		{"-a 1x -l", def(func(a *Args) { a.Mode = ModeList; a.AltName = "1x" })},
		{"--alt=@Internal -a 2 -l", def(func(a *Args) { a.Mode = ModeList; a.AltName = "@Internal"; a.Alt = 2 })},
		{"-n 7 -l", def(func(a *Args) { a.Mode = ModeList; a.Devnum = 7 })},
		{"-n abc -l", def(func(a *Args) { a.Mode = ModeList; a.Devnum = 0 })},
		{"-S 3276 -l", def(func(a *Args) { a.Mode = ModeList; a.Serial, a.SerialDFU = "3276", "3276" })},
		{"-S app,rom -l", def(func(a *Args) { a.Mode = ModeList; a.Serial, a.SerialDFU = "app", "rom" })},
		{"-S ,rom -l", def(func(a *Args) { a.Mode = ModeList; a.SerialDFU = "rom" })},
		{"-t 1024 -D f.bin", def(func(a *Args) { a.Mode = ModeDownload; a.File = "f.bin"; a.TransferSize = 1024 })},
		{"-U out.bin -Z 4096", def(func(a *Args) { a.Mode = ModeUpload; a.File = "out.bin"; a.UploadSize = 4096 })},
		{"-D a.bin -U b.bin", def(func(a *Args) { a.Mode = ModeUpload; a.File = "b.bin" })},
		{"-U b.bin -D a.bin", def(func(a *Args) { a.Mode = ModeDownload; a.File = "a.bin" })},
		{"-D a.bin -R", def(func(a *Args) { a.Mode = ModeDownload; a.File = "a.bin"; a.Reset = true })},
		{"-w -l", def(func(a *Args) { a.Mode = ModeList; a.Wait = true })},
		{"--wait -l", def(func(a *Args) { a.Wait = true })}, // dfu-util 0.11: --wait takes an argument
		{"-a 0 -s 0x08000000:leave -D fw.bin", def(func(a *Args) {
			a.Mode, a.File, a.Alt, a.DfuSeGiven, a.DfuSeArg = ModeDownload, "fw.bin", 0, true, "0x08000000:leave"
		})},
		{"-s :leave", def(func(a *Args) { a.DfuSeGiven, a.DfuSeArg = true, ":leave" })},
		{"-s0x08000000:mass-erase:force", def(func(a *Args) { a.DfuSeGiven, a.DfuSeArg = true, "0x08000000:mass-erase:force" })},
		{"--dfuse-address 0x08000000:0x1000 --upload=x.bin", def(func(a *Args) {
			a.Mode, a.File, a.DfuSeGiven, a.DfuSeArg = ModeUpload, "x.bin", true, "0x08000000:0x1000"
		})},
		{"-D fw.bin -a 0 -- ", def(func(a *Args) { a.Mode, a.File, a.Alt = ModeDownload, "fw.bin", 0 })},
		{"-D -", def(func(a *Args) { a.Mode, a.File = ModeDownload, "-" })},
		{"-a -l", def(func(a *Args) { a.AltName = "-l" })},
	} {
		got := mustParse(t, strings.Fields(c.args)...)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", c.args, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		args string
		msg  string
		help bool
	}{
		{"-x", "invalid option -- 'x'", true},
		{"-lx", "invalid option -- 'x'", true},
		{"-x -h", "invalid option -- 'x'", true},
		{"-a", "option requires an argument -- 'a'", true},
		{"-l -D", "option requires an argument -- 'D'", true},
		{"--alt", "option '--alt' requires an argument", true},
		{"--foo", "unrecognized option '--foo'", true},
		{"--list=3", "option '--list' doesn't allow an argument", true},
		{"--dev 1:2 -l", "option '--dev' is ambiguous; possibilities: '--device' '--devnum'", true},
		{"--d", "option '--d' is ambiguous; possibilities: '--detach' '--detach-delay' '--device' '--download' '--dfuse-address' '--devnum'", true},
		{"--u x", "option '--u' is ambiguous; possibilities: '--upload' '--upload-size'", true},
		{"-l extra", "Error: Unexpected argument: extra", true},
		{"extra -l more", "Error: Unexpected argument: extra", true},
		{"-l -- -V", "Error: Unexpected argument: -V", true},
		{"-t abc -D f.bin", "Something went wrong with the argument of --transfer-size\n", false},
		{"-t 12x -D f.bin", "Something went wrong with the argument of --transfer-size\n", false},
		{"-t  -D f.bin", "", false}, // placeholder replaced below
		{"-Z 12x -U a.bin", "Something went wrong with the argument of --upload-size\n", false},
		{"-E x -e", "Something went wrong with the argument of --detach-delay\n", false},
		{"-c x -l", "Something went wrong with the argument of --cfg\n", false},
		{"-i x -l", "Something went wrong with the argument of --intf\n", false},
		{"-c 99999999999999999999 -l", "Something went wrong with the argument of --cfg\n", false},
	} {
		args := strings.Fields(c.args)
		if c.msg == "" {
			args, c.msg = []string{"-t", "", "-D", "f.bin"}, "No digits were found from the argument of --transfer-size\n"
		}
		_, err := Parse(args)
		ue, ok := err.(*UsageError)
		if !ok {
			t.Errorf("Parse(%q) = %v, want a usage error", args, err)
			continue
		}
		if ue.Msg != c.msg || ue.Help != c.help {
			t.Errorf("Parse(%q) = %q (help %v), want %q (help %v)", args, ue.Msg, ue.Help, c.msg, c.help)
		}
	}
}

func TestParseHelpStopsTheScan(t *testing.T) {
	a := mustParse(t, "-h", "-x", "extra")
	if !a.Help {
		t.Fatal("-h not seen")
	}
	a = mustParse(t, "-l", "--help")
	if !a.Help {
		t.Fatal("--help not seen")
	}
}

func TestCheckMode(t *testing.T) {
	for _, c := range []struct {
		args string
		ok   bool
	}{{"", false}, {"-R", false}, {"-v -a 0", false}, {"-s :leave", true}, {"-l", true}, {"-e", true}, {"-D x", true}, {"-U x", true}} {
		err := mustParse(t, strings.Fields(c.args)...).CheckMode()
		if (err == nil) != c.ok {
			t.Errorf("%q: CheckMode = %v", c.args, err)
		}
		if err != nil && (err.Error() != "You need to specify one of -D or -U" || !err.(*UsageError).Help) {
			t.Errorf("%q: CheckMode = %v", c.args, err)
		}
	}
}

func TestParseDfuSe(t *testing.T) {
	for _, c := range []struct {
		in   string
		want DfuSe
		err  string
	}{
		{"0x08000000", DfuSe{Address: 0x08000000, HasAddress: true}, ""},
		{"0x08000000:leave", DfuSe{Address: 0x08000000, HasAddress: true, Leave: true}, ""},
		{":leave", DfuSe{Leave: true}, ""},
		{"0x08000000:0x1000", DfuSe{Address: 0x08000000, HasAddress: true, Length: 0x1000}, ""},
		{"0x08000000:4096:leave", DfuSe{Address: 0x08000000, HasAddress: true, Length: 4096, Leave: true}, ""},
		{"0x08000000:mass-erase:force", DfuSe{Address: 0x08000000, HasAddress: true, MassErase: true, Force: 1}, ""},
		{":mass-erase:force", DfuSe{MassErase: true, Force: 1}, ""},
		{":unprotect:force", DfuSe{Unprotect: true, Force: 1}, ""},
		{"0x1FFFC000:will-reset", DfuSe{Address: 0x1fffc000, HasAddress: true, WillReset: true}, ""},
		{"0x08000000:force:force", DfuSe{Address: 0x08000000, HasAddress: true, Force: 2}, ""},
		{"134217728", DfuSe{Address: 0x08000000, HasAddress: true}, ""},
		{"0x08000000::leave:", DfuSe{Address: 0x08000000, HasAddress: true, Leave: true}, ""},
		{"", DfuSe{HasAddress: true}, ""}, // dfu-util reads an empty -s as address 0
		{":lea", DfuSe{Leave: true}, ""},
		{":f", DfuSe{Force: 1}, ""},
		{"0x08000000:m:force", DfuSe{Address: 0x08000000, HasAddress: true, MassErase: true}, ""},
		{":l:force", DfuSe{}, "Invalid dfuse modifier: ce"},
		{"0x100000000", DfuSe{Address: 0, HasAddress: true}, ""},
		{"zz", DfuSe{}, "Invalid dfuse address: zz"},
		{"08000000:leave", DfuSe{}, "Invalid dfuse address: 08000000:leave"},
		{"0x08000000:bogus", DfuSe{}, "Invalid dfuse modifier: bogus"},
		{"0x08000000:leaves", DfuSe{}, "Invalid dfuse modifier: leaves"},
		{"0x08000000:12k", DfuSe{}, "Invalid dfuse modifier: 12k"},
	} {
		got, err := ParseDfuSe(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ParseDfuSe(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseDfuSe(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestMatches(t *testing.T) {
	rom := Interface{DFU: true, Vendor: 0x483, Product: 0xdf11, Config: 1, Alt: 0, Name: "@Internal Flash  /0x08000000/04*016Kg", Serial: "3276", Path: "1-1", Devnum: 2}
	app := Interface{Vendor: 0x483, Product: 0xdf12, Config: 1, Interface: 2, Name: "UNKNOWN", Serial: "APP1", Path: "1-1", Devnum: 3}
	for _, c := range []struct {
		args     string
		rom, app bool
	}{
		{"-l", true, true},
		{"-d 0483:df11 -l", true, false},
		{"-d 0483:df12 -l", true, true}, // a lone pair leaves DFU-mode IDs open
		{"-d 1234:5678 -l", true, false},
		{"-d ,0483:df11 -l", true, false},
		{"-d 0483:df12,0483:df11 -l", true, true},
		{"-a 0 -l", true, true},
		{"-a 1 -l", false, true},
		{"-a @Internal -l", false, true},
		{"-a @Internal_Flash -l", false, true},
		{"-S 3276 -l", true, false},
		{"-S APP1,3276 -l", true, true},
		{"-p 1-2 -l", false, false},
		{"-p 1-1 -l", true, true},
		{"-i 2 -l", false, true},
		{"-c 2 -l", false, false},
		{"-n 3 -l", false, true},
	} {
		a := mustParse(t, strings.Fields(c.args)...)
		if got := a.Matches(rom); got != c.rom {
			t.Errorf("%q matches the ROM: %v", c.args, got)
		}
		if got := a.Matches(app); got != c.app {
			t.Errorf("%q matches the application: %v", c.args, got)
		}
	}
	a := mustParse(t, "-a", "@Internal Flash  /0x08000000/04*016Kg", "-l")
	if !a.Matches(rom) {
		t.Error("-a NAME does not match by the whole name")
	}
}

func TestStrtoul(t *testing.T) {
	for _, c := range []struct {
		s    string
		base int
		v    uint64
		n    int
	}{
		{"0x10", 0, 16, 4}, {"010", 0, 8, 3}, {"10", 0, 10, 2}, {"0x", 0, 0, 1}, {"  7z", 0, 7, 3},
		{"-1", 0, 1<<64 - 1, 2}, {"ff", 16, 255, 2}, {"0xff", 16, 255, 4}, {"", 0, 0, 0}, {"z", 16, 0, 0}, {"09", 0, 0, 1},
	} {
		v, n, _ := strtoul(c.s, c.base)
		if v != c.v || n != c.n {
			t.Errorf("strtoul(%q, %d) = %d, %d; want %d, %d", c.s, c.base, v, n, c.v, c.n)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"-l", "-a 0 -s 0x08000000:leave -D fw.bin", "-d ,0483:df11 -S a,b -U x", "--d", "-s :mass-erase:force", "-t -D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, " ")
		a, err := Parse(args)
		if err != nil {
			if _, ok := err.(*UsageError); !ok {
				t.Fatalf("Parse(%q): %T %v", args, err, err)
			}
			return
		}
		if a.DfuSeGiven {
			if d, err := ParseDfuSe(a.DfuSeArg); err == nil {
				if _, err := ParseDfuSe(d.String()); err != nil {
					t.Fatalf("ParseDfuSe(%q) reads %+v, whose String %q does not parse: %v", a.DfuSeArg, d, d.String(), err)
				}
			}
		}
	})
}
