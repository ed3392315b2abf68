package fwfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

func TestSaverPortBeforeExtension(t *testing.T) {
	dir := t.TempDir()
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: []byte{1, 2, 3, 4}}}}
	var got string
	save := Saver(filepath.Join(dir, "backup.bin"), "1-2", func(path string, _ *firmware.Image) { got = path })
	if err := save(img); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "backup.1-2.bin"); got != want {
		t.Errorf("saved %s, want %s", got, want)
	}
	if b, err := os.ReadFile(got); err != nil || len(b) != 4 {
		t.Errorf("read back %v, %v", b, err)
	}
}
