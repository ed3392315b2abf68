package fwfile

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/ihex"
	"github.com/softdfu/softdfu/firmware/srec"
)

// TestInterop compares our readers and writers with GNU objcopy, srecord's
// srec_cat and dfu-util's dfu-suffix. It runs only with SOFTDFU_INTEROP=1
// and installs binutils-arm-none-eabi, srecord and dfu-util with apt-get
// when they are missing.
func TestInterop(t *testing.T) {
	if os.Getenv("SOFTDFU_INTEROP") != "1" {
		t.Skip("set SOFTDFU_INTEROP=1 to compare with objcopy, srec_cat and dfu-suffix")
	}
	need := map[string]string{
		"arm-none-eabi-objcopy": "binutils-arm-none-eabi", "arm-none-eabi-as": "binutils-arm-none-eabi",
		"arm-none-eabi-ld": "binutils-arm-none-eabi", "srec_cat": "srecord", "dfu-suffix": "dfu-util", "dfuse-pack": "dfu-util",
	}
	var pkgs []string
	for tool, pkg := range need {
		if _, err := exec.LookPath(tool); err != nil {
			pkgs = append(pkgs, pkg)
		}
	}
	if len(pkgs) > 0 {
		run(t, "", "apt-get", "update")
		run(t, "", "apt-get", append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)...)
	}
	dir := t.TempDir()
	for _, f := range []string{"fw.s", "fw.ld"} {
		b, err := os.ReadFile(filepath.Join("testdata", "interop", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	run(t, dir, "arm-none-eabi-as", "-o", "fw.o", "fw.s")
	run(t, dir, "arm-none-eabi-ld", "-T", "fw.ld", "-o", "fw.elf", "fw.o")
	at := func(name string) string { return filepath.Join(dir, name) }

	t.Run("ELF against objcopy", func(t *testing.T) {
		elf, err := Load(at("fw.elf"), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if elf.Entry != 0x08000011 || len(elf.Segments) != 2 {
			t.Fatalf("ELF: entry %#x, segments %v", elf.Entry, elf.Segments)
		}
		// .bin: byte-exact with objcopy -O binary --gap-fill 0xff.
		run(t, dir, "arm-none-eabi-objcopy", "-O", "binary", "--gap-fill", "0xff", "fw.elf", "objcopy.bin")
		if err := Write(at("ours.bin"), elf, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		sameFile(t, at("ours.bin"), at("objcopy.bin"))
		// .hex and .srec: same content and entry point (objcopy cuts its
		// records at section boundaries, so the text differs).
		run(t, dir, "arm-none-eabi-objcopy", "-O", "ihex", "fw.elf", "objcopy.hex")
		run(t, dir, "arm-none-eabi-objcopy", "-O", "srec", "fw.elf", "objcopy.srec")
		for _, f := range []string{"objcopy.hex", "objcopy.srec"} {
			img, err := Load(at(f), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !sameSegments(img.Segments, elf.Segments) || img.Entry != elf.Entry {
				t.Errorf("%s: content differs from our reading of the ELF", f)
			}
		}
	})

	// A random 70000-byte binary at 0x0800FF00 crosses a 64 KiB boundary.
	data := make([]byte, 70000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	os.WriteFile(at("r.bin"), data, 0o644)
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x0800FF00, Data: data}}}
	writeWith := func(name string, f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(at(name), b.Bytes(), 0o644)
		return at(name)
	}

	t.Run("byte-exact Intel HEX and S-record", func(t *testing.T) {
		// objcopy: CRLF lines, 16-byte records, 05 = start address (which
		// --change-addresses sets to the base).
		run(t, dir, "arm-none-eabi-objcopy", "-I", "binary", "-O", "ihex", "--change-addresses", "0x0800FF00", "r.bin", "o.hex")
		withEntry := *img
		withEntry.Entry = 0x0800FF00
		sameFile(t, writeWith("ours-crlf.hex", func(b *bytes.Buffer) error { return ihex.Write(b, &withEntry, ihex.Options{CRLF: true}) }), at("o.hex"))
		// objcopy S-records: CRLF too, S0 = output file name, S3, S7.
		run(t, dir, "arm-none-eabi-objcopy", "-I", "binary", "-O", "srec", "--srec-forceS3", "--change-addresses", "0x0800FF00", "r.bin", "o.srec")
		sameFile(t, writeWith("ours-o.srec", func(b *bytes.Buffer) error {
			return srec.Write(b, &withEntry, srec.Options{Header: "o.srec", CRLF: true})
		}), at("o.srec"))
		// srec_cat: LF lines; -obs=16 matches our record length.
		run(t, dir, "srec_cat", "r.bin", "-binary", "-offset", "0x0800FF00", "-o", "s.hex", "-intel", "-obs=16")
		sameFile(t, writeWith("ours.hex", func(b *bytes.Buffer) error { return ihex.Write(b, img, ihex.Options{}) }), at("s.hex"))
		run(t, dir, "srec_cat", "r.bin", "-binary", "-offset", "0x0800FF00", "-header", "softdfu",
			"-execution-start-address", "0x0800FF00", "-o", "s.srec", "-motorola", "-obs=16", "-disable=data-count")
		sameFile(t, writeWith("ours.srec", func(b *bytes.Buffer) error { return srec.Write(b, &withEntry, srec.Options{}) }), at("s.srec"))
		// srec_cat reads our files: convert each to the other format and
		// parse the result.
		run(t, dir, "srec_cat", "ours.hex", "-intel", "-o", "back.srec", "-motorola")
		run(t, dir, "srec_cat", "ours.srec", "-motorola", "-o", "back.hex", "-intel")
		for _, f := range []string{"back.srec", "back.hex"} {
			back, err := Load(at(f), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !sameSegments(back.Segments, img.Segments) {
				t.Errorf("%s: content differs", f)
			}
		}
	})

	t.Run("dfu-suffix", func(t *testing.T) {
		if err := Write(at("ours.dfu"), img, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		out := run(t, dir, "dfu-suffix", "-c", "ours.dfu")
		for _, want := range []string{"Vendor ID:\t0x0483", "Product ID:\t0xDF11", "BCD DFU:\t0x011A", "BCD device:\t0x0000"} {
			if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
				t.Errorf("dfu-suffix -c output lacks %q:\n%s", want, out)
			}
		}
		// dfu-util's dfuse-pack parses our file, and we parse its.
		if out := run(t, dir, "dfuse-pack", "-d", "ours.dfu"); strings.Contains(out, "ERROR") ||
			!strings.Contains(out, "address: 0x0800ff00, size: 70000") {
			t.Errorf("dfuse-pack -d ours.dfu:\n%s", out)
		}
		run(t, dir, "dfuse-pack", "-b", "0x0800FF00:r.bin", "-D", "0x1209:0x70d0", "pack.dfu")
		packed, err := Load(at("pack.dfu"), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if packed.Vendor != 0x1209 || packed.Product != 0x70d0 || !sameSegments(packed.Segments, img.Segments) {
			t.Errorf("pack.dfu: %04x:%04x %v", packed.Vendor, packed.Product, packed.Segments)
		}
		// A suffix dfu-suffix adds is one we accept.
		os.WriteFile(at("suffixed.bin"), data, 0o644)
		run(t, dir, "dfu-suffix", "-v", "1209", "-p", "70d0", "-d", "0102", "-a", "suffixed.bin")
		got, err := Load(at("suffixed.bin"), LoadOptions{Address: 0x0800FF00, AddressSet: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Vendor != 0x1209 || got.Product != 0x70d0 || got.Device != 0x0102 || !sameSegments(got.Segments, img.Segments) {
			t.Errorf("suffixed.bin: %04x:%04x %04x", got.Vendor, got.Product, got.Device)
		}
	})
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func sameFile(t *testing.T, ours, theirs string) {
	t.Helper()
	a, _ := os.ReadFile(ours)
	b, _ := os.ReadFile(theirs)
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Errorf("%s (%d bytes) differs from %s (%d bytes) at byte %d: %q vs %q", filepath.Base(ours), len(a), filepath.Base(theirs), len(b), i,
			a[i:min(len(a), i+40)], b[i:min(len(b), i+40)])
	}
}
