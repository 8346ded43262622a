package world

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse: any bytes give a world or a *ValidationError listing located
// problems, never a panic.
func FuzzParse(f *testing.F) {
	if demo, err := os.ReadFile("../../../testdata/world/demo.yaml"); err == nil {
		f.Add(demo)
	}
	f.Add([]byte("owner: \"1\"\nimagez: []\nqueues: [{name: q, visibilty: 5s}]\n"))
	f.Add([]byte("images: [{id: m-1, status: Availible, sharedWith: [\"1\"]}]\nowner: [\n"))
	f.Add([]byte("resourceDirectory: {accounts: [{id: x, state: y}], folders: [{id: fd-1, folders: [{}]}]}\n"))
	f.Add([]byte("kmsKeys: [key-a, {id: key-b, region: cn-x, disabled: yes}, [1]]\ncopyTakes: -1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("f.yaml", data)
		if err == nil {
			if w == nil {
				t.Fatal("nil world without an error")
			}
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) == 0 {
			t.Fatalf("error %v is not a ValidationError with problems", err)
		}
	})
}
