package boundedread

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 101)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		want    string
		tooBig  bool
		anyErr  bool
		missing bool
	}{
		{name: "small file", path: small, want: "hello"},
		{name: "file above the limit", path: big, tooBig: true},
		{name: "endless device", path: "/dev/zero", tooBig: true},
		{name: "directory", path: dir, anyErr: true},
		{name: "missing", path: filepath.Join(dir, "nope"), missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.path); tt.path == "/dev/zero" && err != nil {
				t.Skip("no /dev/zero here")
			}
			got, err := File(tt.path, 100)
			var pe *fs.PathError
			switch {
			case tt.tooBig:
				if !errors.Is(err, ErrTooLarge) || !errors.As(err, &pe) {
					t.Errorf("err = %v, want ErrTooLarge in a PathError", err)
				}
			case tt.missing:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("err = %v", err)
				}
			case tt.anyErr:
				if err == nil {
					t.Error("no error")
				}
			default:
				if err != nil || string(got) != tt.want {
					t.Errorf("got %q, %v", got, err)
				}
			}
		})
	}
}
