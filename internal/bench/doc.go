// Package bench is the proof harness behind `go run ./cmd/bench`: it measures
// the product against the API's limits and against what its peers do, soaks
// the compiled function in injected faults, and prints every figure beside
// its reference.
//
// Every measurement drives the real SDK clients (ECS, MNS, the FC runtime)
// against the project's emulator over HTTP on 127.0.0.1, as the tests do:
//
//   - efficiency.go: ModifyImageSharePermission calls per image against the
//     minimum ceil(max(adds, removes)/10), and the peers' strategies (peers.go);
//   - latency.go: one new image shared with 50 accounts at 20 ms per call;
//   - bulk.go: a timer sweep of a large fleet fanned out to concurrent
//     function instances under an emulated rate limit;
//   - coldstart.go and memory.go: the compiled function against a minimal
//     fc.Start binary, its size and its peak memory;
//   - soak.go and tally.go: thousands of events through the compiled function
//     under faults, ending with a tally of invariants;
//   - report.go: the markdown table.
//
// Timings are reported, never asserted: the package's tests run small
// versions of each measurement and check invariants only.
package bench
