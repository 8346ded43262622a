package bench

import "fmt"

// Credentials every emulated world in the harness accepts. The token makes
// them STS credentials, as Function Compute hands them to a function.
const (
	accessKeyID     = "LTAI5tBenchKey"
	accessKeySecret = "bench-secret"
	securityToken   = "BENCH-STS-TOKEN"
	region          = "cn-hangzhou"
	owner           = "1000000000000001"
)

// account returns the 16-digit account id with the given leading digit and
// number: account(2, 7) is "2000000000000007".
func account(lead, n int) string { return fmt.Sprintf("%d%015d", lead, n) }

// accounts returns account(lead, from) .. account(lead, to-1).
func accounts(lead, from, to int) []string {
	out := make([]string, 0, max(0, to-from))
	for n := from; n < to; n++ {
		out = append(out, account(lead, n))
	}
	return out
}

// ceilDiv is ceil(a/b) for non-negative a and positive b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }
