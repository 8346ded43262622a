package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// benchPolicy returns a policy of n rules in four shapes: two exact tags, an
// exact tag with an any-of list and regions, a "*" tag with an exact one, and
// a tag-value rule; 20 groups of 5 accounts.
func benchPolicy(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\ngroups:\n")
	for g := range 20 {
		fmt.Fprintf(&b, "  g%02d: [", g)
		for m := range 5 {
			if m > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `"%016d"`, 2000000000000000+g*10+m)
		}
		b.WriteString("]\n")
	}
	b.WriteString("rules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: rule-%d\n", i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "    match: {tags: {app: app-%d, env: [prod, staging]}}\n    shareWith: [g%02d]\n", i, i%20)
		case 1:
			fmt.Fprintf(&b, "    match: {tags: {app: app-%d, tier: gold}, regions: [cn-hangzhou, cn-shanghai]}\n    shareWith: [\"%016d\"]\n", i, 3000000000000000+i)
		case 2:
			fmt.Fprintf(&b, "    match: {tags: {team: team-%d, golden: \"*\"}}\n    shareWith: [g%02d, \"%016d\"]\n", i, i%20, 3000000000000000+i)
		case 3:
			fmt.Fprintf(&b, "    match: {tags: {cost-center: cc-%d}}\n    shareWithTagValue: share-with\n", i)
		}
	}
	return b.String()
}

// benchImage has 20 tags. It matches three rules of benchPolicy: rule-4
// (app-4, env prod), rule-6 (team-6, golden present) and rule-7 (cc-7, whose
// share-with tag names g01 and g02); rule-5 wants app-5.
func benchImage() Image {
	tags := map[string]string{
		"app": "app-4", "env": "prod", "tier": "gold", "team": "team-6", "golden": "2024.06",
		"cost-center": "cc-7", "share-with": "g01, g02",
	}
	for i := len(tags); i < 20; i++ {
		tags[fmt.Sprintf("extra-%d", i)] = fmt.Sprintf("value-%d", i)
	}
	return Image{ID: "m-bench", Region: "cn-hangzhou", OwnerID: "1000000000000001", Tags: tags}
}

func BenchmarkDesired1000Rules20Tags(b *testing.B) {
	p := mustParse(b, benchPolicy(1000))
	img := benchImage()
	// 5 accounts of g04, 5 of g06 and one literal id, 10 of g01 and g02.
	if d := p.Desired(img); !slices.Equal(d.Rules, []string{"rule-4", "rule-6", "rule-7"}) || len(d.Accounts) != 21 {
		b.Fatalf("Desired: rules %v, %d accounts; want rule-4, rule-6, rule-7 and 21 accounts", d.Rules, len(d.Accounts))
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Desired(img)
	}
}

func BenchmarkParse1000Rules(b *testing.B) {
	src := []byte(benchPolicy(1000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}
