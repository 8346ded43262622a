package cli

import (
	"flag"
	"fmt"
)

// envFlag defines a string flag whose value, when the flag is not given,
// comes from an environment variable — without ever making that value the
// flag's default. flag prints defaults in --help and in the usage text after
// any mistyped flag, so a default read from ALIBABA_CLOUD_ACCESS_KEY_SECRET
// would put the secret on the terminal and in CI logs. The usage names the
// variable instead. Call the returned function after fl.Parse.
//
// Use it for every flag whose fallback is a credential (or anything else
// that must not be echoed).
func envFlag(fl *flag.FlagSet, name, envVar, usage string, getenv func(string) string) func() string {
	var v string
	fl.StringVar(&v, name, "", fmt.Sprintf("%s (default: $%s)", usage, envVar))
	return func() string {
		set := false
		fl.Visit(func(f *flag.Flag) { set = set || f.Name == name })
		if set {
			return v
		}
		return getenv(envVar)
	}
}
