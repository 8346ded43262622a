package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// TestPlanShowsCopies: plan lists the copies the policy wants, says which
// exist, and makes none.
func TestPlanShowsCopies(t *testing.T) {
	e := newPlanEnv(t)
	e.policy = e.write(t, "copies.yaml", fmt.Sprintf(`version: 1
groups:
  prod: ["%s"]
rules:
  - name: prod-images
    match: {tags: {env: prod}}
    shareWith: [prod]
    copyTo: [cn-shanghai, {region: ap-southeast-1, kmsKeyId: key-sg-0001}]
`, planAcct(1)))
	// The cn-shanghai copy exists already.
	e.svc.PutImage(world.Image{ID: "m-prod-sh", Region: "cn-shanghai",
		Tags: map[string]string{"env": "prod", engine.CopyTagKey: engine.CopyTagValue("cn-hangzhou", "m-prod")}})

	code, out, stderr := e.run(t, false, "--region", "cn-hangzhou", "--detailed-exitcode")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (changes); stderr: %s", code, stderr)
	}
	for _, want := range []string{
		"copy m-prod (cn-hangzhou) to cn-shanghai: exists: m-prod-sh",
		"copy m-prod (cn-hangzhou) to ap-southeast-1 under key-sg-0001: to make",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if n := e.inj.Counts()["CopyImage"]; n != 0 {
		t.Fatalf("plan sent %d CopyImage", n)
	}

	_, js, _ := e.run(t, false, "--region", "cn-hangzhou", "--output", "json")
	rep := decodeReport(t, js)
	if len(rep.Copies) != 2 || rep.Copies[0].Status != outcome.Unchanged || rep.Copies[1].Status != outcome.Planned ||
		rep.Copies[1].KMSKeyID != "key-sg-0001" {
		t.Fatalf("copies in the JSON report: %+v", rep.Copies)
	}
}
