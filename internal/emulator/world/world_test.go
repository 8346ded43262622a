package world

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	w, err := Parse("w.yaml", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [work, {name: out, visibilityTimeout: 5s}]
topics: [{name: t, subscribers: [out]}]
images:
  - id: m-1
    availableAfter: 90
`))
	if err != nil {
		t.Fatal(err)
	}
	if w.Region != "cn-hangzhou" || w.MoreThan10 != MoreThan10Ignore {
		t.Errorf("defaults: region %q moreThan10 %q", w.Region, w.MoreThan10)
	}
	if w.ShareQuota != 50 || w.AliyunIDType != AliyunIDString || w.AccountInMessage {
		t.Errorf("defaults: shareQuota %d aliyunIdType %q accountInMessage %t", w.ShareQuota, w.AliyunIDType, w.AccountInMessage)
	}
	if got := w.Queues[0].VisibilityTimeout.D(); got != 30*time.Second {
		t.Errorf("default visibility timeout = %v", got)
	}
	if got := w.Queues[1].VisibilityTimeout.D(); got != 5*time.Second {
		t.Errorf("visibility timeout = %v", got)
	}
	im := w.Images[0]
	if im.Owner != w.Owner || im.Region != "cn-hangzhou" || im.Status != "Available" || im.Encryption != "none" {
		t.Errorf("image defaults: %+v", im)
	}
	if im.AvailableAfter.D() != 90*time.Second {
		t.Errorf("availableAfter = %v", im.AvailableAfter.D())
	}
	if !w.AccountExists(w.Owner) || w.AccountExists("2999999999999999") {
		t.Error("AccountExists")
	}
}

func TestParseRejects(t *testing.T) {
	base := "owner: \"1000000000000001\"\ncredentials: {accessKeyId: AK, accessKeySecret: SK}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", base + "imagez: []\n", "w.yaml:3:1: imagez: unknown key (did you mean images?)"},
		{"unknown nested key", base + "queues: [{name: q, visibility: 5s}]\n", "w.yaml:3:20: queues[0].visibility: unknown key"},
		{"bad owner", "owner: \"1\"\ncredentials: {accessKeyId: AK, accessKeySecret: SK}\n", "owner \"1\" is not a 16-digit"},
		{"no credentials", "owner: \"1000000000000001\"\n", "credentials.accessKeyId"},
		{"bad status", base + "images: [{id: m-1, status: Ready}]\n", "status \"Ready\""},
		{"bad encryption", base + "images: [{id: m-1, encryption: kms}]\n", "encryption \"kms\""},
		{"duplicate image", base + "images: [{id: m-1}, {id: m-1}]\n", "must start with m- and be unique"},
		{"bad duration", base + "images: [{id: m-1, availableAfter: soon}]\n", "invalid duration"},
		{"over quota", base + "images: [{id: m-1, sharedWith: [" + strings.Repeat("\"2000000000000001\",", 51) + "]}]\n", "above the per-image quota shareQuota 50"},
		{"over a raised quota", base + "shareQuota: 2\nimages: [{id: m-1, sharedWith: [\"2000000000000001\", \"2000000000000002\", \"2000000000000003\"]}]\n", "above the per-image quota shareQuota 2"},
		{"quota below 1", base + "shareQuota: -1\n", "shareQuota must be 1 or more"},
		{"bad AliyunId type", base + "aliyunIdType: int\n", "aliyunIdType must be"},
		{"bad other-site account", base + "otherSiteAccounts: [\"12\"]\n", "otherSiteAccounts: \"12\" is not"},
		{"account on both sites", base + "accounts: [\"2000000000000001\"]\notherSiteAccounts: [\"2000000000000001\"]\n", "also an account of this site"},
		{"unknown subscriber", base + "topics: [{name: t, subscribers: [nope]}]\n", "subscriber queue \"nope\""},
		{"bad reading", base + "moreThan10: all\n", "moreThan10 must be"},
		{"duplicate KMS key", base + "kmsKeys: [key-a-0001, {id: key-a-0001}]\n", "kmsKeys[1]: empty or duplicate key id"},
		{"KMS key without id", base + "kmsKeys: [{region: cn-hangzhou}]\n", "kmsKeys[0]: empty or duplicate key id"},
		{"unknown KMS key field", base + "kmsKeys: [{id: key-a-0001, enabled: false}]\n", "kmsKeys[0].enabled: unknown key"},
		{"negative copyTakes", base + "copyTakes: -5m\n", "copyTakes must not be negative"},
		{"fault without code", base + "faults: [{api: DescribeImages}]\n", "faults[0]: api and code are required"},
		{"directory without management account", base + "resourceDirectory: {folders: []}\n", "resourceDirectory.managementAccount \"\" is not"},
		{"bad folder id", base + "resourceDirectory: {managementAccount: \"1000000000000001\", folders: [{id: fd-1}]}\n", "folder id \"fd-1\" must be fd-"},
		{"duplicate folder", base + "resourceDirectory: {managementAccount: \"1000000000000001\", folders: [{id: fd-aaaaaaaaaa}, {id: fd-aaaaaaaaaa}]}\n", "and unique"},
		{"account in two folders", base + "resourceDirectory: {managementAccount: \"1000000000000001\", accounts: [\"2000000000000001\"], folders: [{id: fd-aaaaaaaaaa, accounts: [\"2000000000000001\"]}]}\n", "already a member of root"},
		{"bad member status", base + "resourceDirectory: {managementAccount: \"1000000000000001\", accounts: [{id: \"2000000000000001\", status: Happy}]}\n", "status \"Happy\""},
		{"bad root id", base + "resourceDirectory: {managementAccount: \"1000000000000001\", rootFolderId: root}\n", "rootFolderId \"root\""},
		{"unknown member key", base + "resourceDirectory: {managementAccount: \"1000000000000001\", accounts: [{id: \"2000000000000001\", state: x}]}\n", "resourceDirectory.accounts[0].state: unknown key (did you mean status?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "w.yaml:") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestResourceDirectoryDefaults(t *testing.T) {
	w, err := Parse("w.yaml", []byte(`owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
resourceDirectory:
  managementAccount: "1000000000000001"
  accounts: ["2000000000000001"]
  folders:
    - {id: fd-aaaaaaaaaa, accounts: [{id: "2000000000000002", status: CreateFailed}], folders: [{id: fd-bbbbbbbbbb, accounts: ["2000000000000003"]}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	rd := w.ResourceDirectory
	if rd.RootFolderID != "r-root01" || rd.Accounts[0].Status != "CreateSuccess" || rd.Folders[0].Folders[0].Accounts[0].Status != "CreateSuccess" {
		t.Errorf("defaults not set: %+v", rd)
	}
	// Every member exists for ECS, whatever its status.
	for _, a := range []string{"1000000000000001", "2000000000000001", "2000000000000002", "2000000000000003"} {
		if !w.AccountExists(a) {
			t.Errorf("member %s does not exist", a)
		}
	}
}

func TestDemoWorldLoads(t *testing.T) {
	w, err := Load("../../../testdata/world/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Images) == 0 || len(w.Queues) == 0 {
		t.Fatalf("demo world is empty: %+v", w)
	}
}

// TestParseListsEveryProblem: a world file's problems are reported like a
// policy's: all of them, each with file:line:column and its path, in file
// order, with a did-you-mean where a known word is close.
func TestParseListsEveryProblem(t *testing.T) {
	data := `owner: "1"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [work]
topics: [{name: t, subscribers: [wrok]}]
images:
  - id: m-1
    status: Availible
    sharedWith: ["123"]
  - id: m-2
    encryption: cmk
    tagz: {a: b}
`
	_, err := Parse("w.yaml", []byte(data))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	want := []string{
		`w.yaml:1:8: owner: owner "1" is not a 16-digit account id`,
		`w.yaml:4:34: topics[0].subscribers[0]: topic t: subscriber queue "wrok" is not declared in queues (did you mean work?)`,
		`w.yaml:7:13: images[0].status: image m-1: status "Availible" is not one of [Creating Waiting Available UnAvailable CreateFailed Deprecated] (did you mean Available?)`,
		`w.yaml:8:18: images[0].sharedWith[0]: image m-1: sharedWith "123" is not a 16-digit account id`,
		`w.yaml:11:5: images[1].tagz: unknown key (did you mean tags?)`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Parse("w.yaml", []byte("owner: [\n")); err == nil || !strings.HasPrefix(err.Error(), "w.yaml:1:1: did not find expected node content") {
		t.Errorf("syntax error reported as %v", err)
	}
}
