package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// TestPlanShowsFolderMembers: plan reads the Resource Directory once, shows
// each directory group's members, and plans the image with them, as the
// function would; a directory it cannot read is said, and prunes nothing.
func TestPlanShowsFolderMembers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		management string
		wantErr    []string // on stderr
		wantOut    []string // on stdout
	}{
		{name: "readable", management: "1000000000000001",
			wantErr: []string{"directory group staging-org (folder fd-stagingorg): 2 member(s): 2100000000000003, 2100000000000004"},
			wantOut: []string{"2100000000000003", "2100000000000004", "2000000000000001"}},
		{name: "not the management account", management: "1999999999999999",
			wantErr: []string{"directory group staging-org (folder fd-stagingorg): not read", "EntityNotExists.ResourceDirectory"},
			wantOut: []string{"DirectoryUnavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := world.Load("../../testdata/world/demo.yaml")
			if err != nil {
				t.Fatal(err)
			}
			w.ResourceDirectory.ManagementAccount = tc.management
			e := emulator.New(w, emulator.Options{})
			srv := httptest.NewServer(e)
			t.Cleanup(func() { e.Close(); srv.Close() })
			var out, errb bytes.Buffer
			code := planCommand(false)(context.Background(), []string{
				"--policy", "../../testdata/demo/policy.yaml", "--region", "cn-hangzhou", "--image", "m-staging-004",
				"--ecs-endpoint", srv.URL, "--rm-endpoint", srv.URL,
				"--access-key-id", w.Credentials.AccessKeyID, "--access-key-secret", w.Credentials.AccessKeySecret,
			}, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
			t.Logf("exit %d\n%s", code, out.String())
			for _, want := range tc.wantErr {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb.String())
				}
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			if tc.management != "1000000000000001" && strings.Contains(out.String(), "- 2000000000000001") {
				t.Errorf("a share would be removed while the directory could not be read:\n%s", out.String())
			}
			// Read once: the folder, then its subfolder.
			if n := e.Faults.Counts()["ListAccountsForParent"]; tc.management == "1000000000000001" && n != 2 {
				t.Errorf("%d ListAccountsForParent calls, want 2 (the folder and its subfolder)", n)
			}
		})
	}
}
