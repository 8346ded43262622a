// Package creds finds the credentials of the plan and apply commands the way
// Alibaba Cloud's own tools do: the default chain of the official credentials
// library (github.com/aliyun/credentials-go), in its order, with the aliyun
// CLI's --profile, and flags as an override.
//
// The chain is built here from the library's providers rather than with
// providers.NewDefaultCredentialsProvider, for two reasons: the environment
// is read through an injected getenv (a test runs with a temporary CLI
// config file and no variable of the process set), and --profile must name
// the profile explicitly instead of through ALIBABA_CLOUD_PROFILE. The order
// and the sources are the library's (credentials/providers/default.go):
//
//  1. ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN)
//  2. OIDC: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
//     ALIBABA_CLOUD_OIDC_TOKEN_FILE (RRSA in Kubernetes)
//  3. the aliyun CLI's config file (ALIBABA_CLOUD_CONFIG_FILE, default
//     ~/.aliyun/config.json), its current profile or ALIBABA_CLOUD_PROFILE
//  4. the credentials file (ALIBABA_CLOUD_CREDENTIALS_FILE, default
//     ~/.alibabacloud/credentials), section ALIBABA_CLOUD_PROFILE or default
//  5. the ECS instance RAM role from the metadata service (unless
//     ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)
//  6. ALIBABA_CLOUD_CREDENTIALS_URI
//
// Flags (--access-key-id and --access-key-secret) come before all of them.
// --profile NAME reads only sources 3 and 4, with that profile: a profile
// asked for by name must not be silently replaced by stray variables.
package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aliyun/credentials-go/credentials/providers"
	"gopkg.in/ini.v1"
)

// Options say where to look.
type Options struct {
	// Getenv reads the environment; required (os.Getenv in main).
	Getenv func(string) string
	// Profile is --profile: a profile of the aliyun CLI's config file or a
	// section of the credentials file.
	Profile string
	// AccessKeyID, AccessKeySecret and SecurityToken are the flags; when
	// the id and secret are set, nothing else is read.
	AccessKeyID, AccessKeySecret, SecurityToken string
}

// Credentials are what was found and where. Source names the place, never
// the secret, so it can be printed.
type Credentials struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
	Source                                      string
	// Region is the default region, as the aliyun CLI finds it:
	// ALIBABA_CLOUD_REGION_ID, else the region_id of the CLI profile
	// (--profile, or the current one); "" when neither says.
	Region string
}

// Error is returned when no source gave credentials; it lists every source
// tried and why it gave nothing, without any secret.
type Error struct {
	Tried []string
}

func (e *Error) Error() string {
	return "no credentials found; tried, in order:\n  " + strings.Join(e.Tried, "\n  ") +
		"\n(set up a profile with `aliyun configure`, or pass --profile, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)"
}

type source struct {
	name  string
	build func() (providers.CredentialsProvider, error)
}

// Resolve walks the chain and returns the first credentials found.
func Resolve(o Options) (*Credentials, error) {
	getenv := o.Getenv
	if getenv == nil {
		return nil, errors.New("creds: Options.Getenv is required")
	}
	if o.AccessKeyID != "" || o.AccessKeySecret != "" {
		if o.AccessKeyID == "" || o.AccessKeySecret == "" {
			return nil, errors.New("credentials: --access-key-id and --access-key-secret go together")
		}
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	cliFile := getenv("ALIBABA_CLOUD_CONFIG_FILE")
	if cliFile == "" && home != "" {
		cliFile = filepath.Join(home, ".aliyun", "config.json")
	}
	credFile := getenv("ALIBABA_CLOUD_CREDENTIALS_FILE")
	if credFile == "" && home != "" {
		credFile = filepath.Join(home, ".alibabacloud", "credentials")
	}
	profile := o.Profile
	if profile == "" {
		profile = getenv("ALIBABA_CLOUD_PROFILE")
	}

	region := getenv("ALIBABA_CLOUD_REGION_ID")
	if region == "" {
		region = cliRegion(cliFile, profile)
	}
	if o.AccessKeyID != "" {
		return &Credentials{AccessKeyID: o.AccessKeyID, AccessKeySecret: o.AccessKeySecret,
			SecurityToken: o.SecurityToken, Source: "flags", Region: region}, nil
	}

	var chain []source
	if o.Profile == "" {
		chain = append(chain, source{"environment variables ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET", func() (providers.CredentialsProvider, error) {
			id, secret, token := getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), getenv("ALIBABA_CLOUD_SECURITY_TOKEN")
			switch {
			case id == "" && secret == "":
				return nil, errors.New("not set")
			case token != "":
				return providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(id).WithAccessKeySecret(secret).WithSecurityToken(token).Build()
			default:
				return providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(id).WithAccessKeySecret(secret).Build()
			}
		}})
		chain = append(chain, source{"OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)", func() (providers.CredentialsProvider, error) {
			role, arn, file := getenv("ALIBABA_CLOUD_ROLE_ARN"), getenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"), getenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
			if role == "" || arn == "" || file == "" {
				return nil, errors.New("not set")
			}
			return providers.NewOIDCCredentialsProviderBuilder().WithRoleArn(role).WithOIDCProviderARN(arn).
				WithOIDCTokenFilePath(file).WithRoleSessionName(getenv("ALIBABA_CLOUD_ROLE_SESSION_NAME")).
				WithStsRegionId(getenv("ALIBABA_CLOUD_STS_REGION")).Build()
		}})
	}
	chain = append(chain, source{describeFile("aliyun CLI config", cliFile, profile), func() (providers.CredentialsProvider, error) {
		if cliFile == "" {
			return nil, errors.New("no home folder")
		}
		if _, err := os.Stat(cliFile); err != nil {
			return nil, errors.New("no such file")
		}
		return providers.NewCLIProfileCredentialsProviderBuilder().WithProfileFile(cliFile).WithProfileName(profile).Build()
	}})
	chain = append(chain, source{describeFile("credentials file", credFile, profile), func() (providers.CredentialsProvider, error) {
		if credFile == "" {
			return nil, errors.New("no home folder")
		}
		if _, err := os.Stat(credFile); err != nil {
			return nil, errors.New("no such file")
		}
		return &iniFile{path: credFile, profile: profile}, nil
	}})
	if o.Profile == "" {
		chain = append(chain, source{"ECS instance RAM role (metadata service)", func() (providers.CredentialsProvider, error) {
			if strings.EqualFold(getenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED"), "true") {
				return nil, errors.New("disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED")
			}
			return providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(getenv("ALIBABA_CLOUD_ECS_METADATA")).Build()
		}})
		chain = append(chain, source{"ALIBABA_CLOUD_CREDENTIALS_URI", func() (providers.CredentialsProvider, error) {
			uri := getenv("ALIBABA_CLOUD_CREDENTIALS_URI")
			if uri == "" {
				return nil, errors.New("not set")
			}
			return providers.NewURLCredentialsProviderBuilder().WithUrl(uri).Build()
		}})
	}

	var tried []string
	for _, s := range chain {
		p, err := s.build()
		if err == nil {
			var c *providers.Credentials
			if c, err = p.GetCredentials(); err == nil && c.AccessKeyId != "" && c.AccessKeySecret != "" {
				return &Credentials{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret,
					SecurityToken: c.SecurityToken, Source: s.name, Region: region}, nil
			}
			if err == nil {
				err = errors.New("empty access key")
			}
		}
		tried = append(tried, s.name+": "+scrub(err.Error(), o))
	}
	return nil, &Error{Tried: tried}
}

func describeFile(what, path, profile string) string {
	s := what + " " + path
	if path == "" {
		s = what
	}
	if profile != "" {
		s += ", profile " + profile
	}
	return s
}

// cliRegion is the region_id of the profile (or the current one) in the CLI
// config file; "" when it cannot be read.
func cliRegion(path, profile string) string {
	if path == "" {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var conf struct {
		Current  string `json:"current"`
		Profiles []struct {
			Name     string `json:"name"`
			RegionID string `json:"region_id"`
		} `json:"profiles"`
	}
	if json.Unmarshal(data, &conf) != nil {
		return ""
	}
	if profile == "" {
		profile = conf.Current
	}
	for _, p := range conf.Profiles {
		if p.Name == profile {
			return p.RegionID
		}
	}
	return ""
}

// scrub keeps a provider's error message short and free of file contents:
// the CLI provider quotes the whole config file (secrets included) when it
// cannot parse it.
func scrub(msg string, o Options) string {
	if i := strings.Index(msg, "failed: "); i >= 0 && strings.Contains(msg, "unmarshal") {
		msg = msg[:i] + "failed: not valid JSON"
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	for _, s := range []string{o.AccessKeySecret, o.SecurityToken} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return fmt.Sprint(msg)
}

// iniFile reads the credentials file (~/.alibabacloud/credentials), as the
// library's ProfileCredentialsProvider does, but at the path resolved
// through the injected environment (the library's reads the process's).
// It supports the file's access_key type, the one the file is used for in
// practice; a section of another type is reported, not guessed at.
type iniFile struct{ path, profile string }

func (f *iniFile) GetProviderName() string { return "profile" }

func (f *iniFile) GetCredentials() (*providers.Credentials, error) {
	file, err := ini.Load(f.path)
	if err != nil {
		return nil, errors.New("not a valid INI file")
	}
	name := f.profile
	if name == "" {
		name = "default"
	}
	sec, err := file.GetSection(name)
	if err != nil {
		return nil, fmt.Errorf("no section [%s]", name)
	}
	switch t := sec.Key("type").String(); t {
	case "access_key":
		return &providers.Credentials{AccessKeyId: sec.Key("access_key_id").String(),
			AccessKeySecret: sec.Key("access_key_secret").String(), ProviderName: "profile"}, nil
	default:
		return nil, fmt.Errorf("section [%s] has type %q; only access_key is read here (use an aliyun CLI profile for roles)", name, t)
	}
}
