// Command emulator serves all of iamkit's emulators as one standalone
// program, on fixed loopback ports, so that other tools can be pointed at
// them: the clouds' CLIs, your own tests in other languages, the AWS CLI
// through credential_process.
//
//	go run ./examples/emulator                        # ports 18400-18405
//	go run ./examples/emulator -addr-base 127.0.0.1:0 # free ports, printed
//
// It serves, sharing one iamtest.Registry (so a key created in one emulator
// works in the others):
//
//	port+0  Nebius token exchange (HTTP, RFC 8693)    /oauth2/token/exchange
//	port+1  Nebius IAM (gRPC, plaintext): AccessKeyService, AuthPublicKeyService, OperationService
//	port+2  Yandex Cloud IAM token (HTTP)             /iam/v1/tokens
//	port+3  Yandex Cloud IAM REST API and operations
//	port+4  OUTSCALE API                              /api/v1/<Call>
//	port+5  S3 (path-style, SigV4 verified against the keys the others mint)
//
// It prints each endpoint, writes a Nebius service-account credentials file,
// a Yandex key.json and an OUTSCALE config.json into a temporary directory
// (removed on exit), prints the OUTSCALE root access key — its secret on
// purpose: it is a test key of this emulator and works nowhere else —,
// environment lines to paste into a shell, and an ~/.aws/config profile that
// uses examples/credential-process. A line starting with "ready:" (and,
// with -ready-file, a JSON file describing the endpoints) says it is serving.
// SIGINT or SIGTERM stops it: every emulator is closed, its files are
// removed, and it exits 0.
//
// The emulators accept keys that anyone can read from this output, so they
// listen on loopback addresses only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/internal/atomicfile"
	"github.com/iamkit/iamkit/internal/loopback"
)

// DefaultAddrBase is the first of the six consecutive ports the emulators
// listen on by default.
const DefaultAddrBase = "127.0.0.1:18400"

// ReadyPrefix starts the line printed once every emulator is serving.
const ReadyPrefix = "ready:"

// outscaleRegion is the region written to the OUTSCALE profile; the
// emulator accepts any signing region unless told otherwise.
const outscaleRegion = "eu-west-2"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "emulator:", err)
		os.Exit(1)
	}
}

// service is one emulator and the address it is served on.
type service struct {
	name   string // "Nebius token exchange"
	flag   string // "nebius-token"
	offset int    // port offset from -addr-base
	addr   string // requested address; filled from the flags
}

// Info describes the running emulators; it is what -ready-file holds.
// It carries no secret: the OUTSCALE secret key is in the config file.
type Info struct {
	NebiusTokenURL        string `json:"nebius_token_url"`
	NebiusIAMAddr         string `json:"nebius_iam_addr"`
	YandexTokenURL        string `json:"yandex_token_url"`
	YandexIAMURL          string `json:"yandex_iam_url"`
	OutscaleAPIURL        string `json:"outscale_api_url"`
	S3URL                 string `json:"s3_url"`
	Dir                   string `json:"dir"`
	NebiusCredentialsFile string `json:"nebius_credentials_file"`
	NebiusServiceAccount  string `json:"nebius_service_account_id"`
	NebiusProjectID       string `json:"nebius_project_id"`
	YandexKeyFile         string `json:"yandex_key_file"`
	YandexServiceAccount  string `json:"yandex_service_account_id"`
	OutscaleConfigFile    string `json:"outscale_config_file"`
	OutscaleAccessKey     string `json:"outscale_access_key"`
	OutscaleRegion        string `json:"outscale_region"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	services := []*service{
		{name: "Nebius token exchange", flag: "nebius-token", offset: 0},
		{name: "Nebius IAM (gRPC)", flag: "nebius-iam", offset: 1},
		{name: "Yandex IAM token", flag: "yandex-token", offset: 2},
		{name: "Yandex IAM API", flag: "yandex-iam", offset: 3},
		{name: "OUTSCALE API", flag: "outscale", offset: 4},
		{name: "S3", flag: "s3", offset: 5},
	}
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("addr-base", DefaultAddrBase, "loopback host:port of the first emulator; the others take the next five ports (port 0: free ports)")
	for _, s := range services {
		fs.StringVar(&s.addr, s.flag, "", "host:port of the "+s.name+" emulator (default: -addr-base + "+strconv.Itoa(s.offset)+")")
	}
	readyFile := fs.String("ready-file", "", "write a JSON description of the endpoints here once serving (removed on exit)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage was printed
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := resolveAddrs(*base, services); err != nil {
		return err
	}

	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()

	dir, err := os.MkdirTemp("", "iamkit-emulator-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })

	// Each emulator listens on its service's address (Options.Addr); a
	// port taken by another program is reported with the flag to change.
	listenErr := func(s *service, err error) error {
		return fmt.Errorf("%s: %w (choose other ports with -addr-base, e.g. -addr-base 127.0.0.1:0 for free ones, or -%s)", s.name, err, s.flag)
	}
	reg := iamtest.NewRegistry()
	nebTok, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg; o.Addr = services[0].addr })
	if err != nil {
		return listenErr(services[0], err)
	}
	cleanups = append(cleanups, nebTok.Close)
	nebIAM, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg; o.Addr = services[1].addr })
	if err != nil {
		return listenErr(services[1], err)
	}
	cleanups = append(cleanups, nebIAM.Close)
	yaTok, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg; o.Addr = services[2].addr })
	if err != nil {
		return listenErr(services[2], err)
	}
	cleanups = append(cleanups, yaTok.Close)
	yaIAM, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg; o.Addr = services[3].addr })
	if err != nil {
		return listenErr(services[3], err)
	}
	cleanups = append(cleanups, yaIAM.Close)
	osc, err := outscaletest.New(func(o *outscaletest.Options) {
		o.Registry, o.Region, o.Addr = reg, outscaleRegion, services[4].addr
	})
	if err != nil {
		return listenErr(services[4], err)
	}
	cleanups = append(cleanups, osc.Close)
	s3, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg; o.Addr = services[5].addr })
	if err != nil {
		return listenErr(services[5], err)
	}
	cleanups = append(cleanups, s3.Close)

	info := Info{
		NebiusTokenURL:    nebTok.URL,
		NebiusIAMAddr:     nebIAM.Addr,
		YandexTokenURL:    yaTok.URL,
		YandexIAMURL:      yaIAM.URL,
		OutscaleAPIURL:    osc.URL,
		S3URL:             s3.URL,
		Dir:               dir,
		OutscaleAccessKey: osc.Root.AccessKey,
		OutscaleRegion:    outscaleRegion,
	}

	sa, err := nebIAM.NewServiceAccount("")
	if err != nil {
		return fmt.Errorf("Nebius service account: %w", err)
	}
	info.NebiusServiceAccount, info.NebiusProjectID = sa.ID, sa.ProjectID
	info.NebiusCredentialsFile = filepath.Join(dir, "nebius-credentials.json")
	if err := writePrivate(info.NebiusCredentialsFile, []byte(sa.CredentialsJSON.Reveal())); err != nil {
		return err
	}
	keyJSON, err := yaIAM.BootstrapKeyFile()
	if err != nil {
		return fmt.Errorf("Yandex key: %w", err)
	}
	info.YandexServiceAccount = yaIAM.ServiceAccountID()
	info.YandexKeyFile = filepath.Join(dir, "yandex-key.json")
	if err := writePrivate(info.YandexKeyFile, keyJSON); err != nil {
		return err
	}
	info.OutscaleConfigFile = filepath.Join(dir, "osc-config.json")
	oscConfig, err := json.MarshalIndent(map[string]any{
		"default": map[string]any{
			"access_key": osc.Root.AccessKey,
			"secret_key": osc.Root.SecretKey.Reveal(), // the emulator's test secret, for the client to read
			"region":     outscaleRegion,
			"endpoints":  map[string]string{"api": info.OutscaleAPIURL},
		},
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(info.OutscaleConfigFile, oscConfig); err != nil {
		return err
	}

	printInfo(stdout, info, osc.Root.SecretKey.Reveal())

	if *readyFile != "" {
		data, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		if err := writePrivate(*readyFile, data); err != nil {
			return fmt.Errorf("-ready-file: %w", err)
		}
		cleanups = append(cleanups, func() { _ = os.Remove(*readyFile) })
	}
	fmt.Fprintln(stdout, ReadyPrefix, "serving; stop with Ctrl-C (SIGINT) or SIGTERM")

	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping: closing the emulators and removing", dir)
	return nil
}

// resolveAddrs fills each service's address from base and checks that
// every address is on loopback.
func resolveAddrs(base string, services []*service) error {
	host, portStr, err := net.SplitHostPort(base)
	if err != nil {
		return fmt.Errorf("-addr-base %q: want host:port, e.g. %s: %w", base, DefaultAddrBase, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535-5 {
		return fmt.Errorf("-addr-base %q: port must be 0 or a number up to %d", base, 65535-5)
	}
	for _, s := range services {
		if s.addr == "" {
			p := 0
			if port != 0 {
				p = port + s.offset
			}
			s.addr = net.JoinHostPort(host, strconv.Itoa(p))
			if err := checkLoopback(s.addr); err != nil {
				return fmt.Errorf("-addr-base %q: %w", base, err)
			}
			continue
		}
		if err := checkLoopback(s.addr); err != nil {
			return fmt.Errorf("-%s %q: %w", s.flag, s.addr, err)
		}
	}
	return nil
}

// checkLoopback refuses addresses off the local machine: the emulators
// trust keys printed on this program's output.
func checkLoopback(addr string) error {
	if err := loopback.CheckAddr(addr); err != nil {
		return fmt.Errorf("%w: the emulators accept test keys anyone can read, so they listen on loopback only", err)
	}
	return nil
}

// writePrivate writes a file only its owner can read, atomically, so that
// a reader polling for path never sees it half written.
func writePrivate(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// printInfo prints the endpoints, credentials and snippets. oscSecret is
// printed on purpose: it is a test key of this emulator.
func printInfo(w io.Writer, in Info, oscSecret string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("iamkit emulators: test servers on loopback. Every key below is a test key of these emulators, valid nowhere else.")
	p("")
	p("Endpoints")
	p("  Nebius token exchange     %s", in.NebiusTokenURL)
	p("  Nebius IAM (gRPC, plain)  %s", in.NebiusIAMAddr)
	p("  Yandex IAM token          %s", in.YandexTokenURL)
	p("  Yandex IAM + operations   %s", in.YandexIAMURL)
	p("  OUTSCALE API              %s", in.OutscaleAPIURL)
	p("  S3 (path-style)           %s", in.S3URL)
	p("")
	p("Credentials (files in %s, removed on exit)", in.Dir)
	p("  Nebius service account    %s  project %s", in.NebiusServiceAccount, in.NebiusProjectID)
	p("    credentials file        %s", in.NebiusCredentialsFile)
	p("  Yandex service account    %s", in.YandexServiceAccount)
	p("    key.json                %s", in.YandexKeyFile)
	p("  OUTSCALE root access key  %s", in.OutscaleAccessKey)
	p("    secret key              %s   (printed on purpose: this emulator's test key)", oscSecret)
	p("    config.json profile     %s (profile \"default\")", in.OutscaleConfigFile)
	p("")
	p("Environment (paste into a shell at the repository root)")
	p("  export NEBIUS_IAM_TOKEN=$(go run ./examples/token -credentials %s -endpoint %s)", in.NebiusCredentialsFile, in.NebiusTokenURL)
	p("  export YC_IAM_TOKEN=$(go run ./examples/token -credentials %s -endpoint %s)", in.YandexKeyFile, in.YandexTokenURL)
	p("  export OSC_CONFIG_FILE=%s OSC_PROFILE=default", in.OutscaleConfigFile)
	p("  export OSC_ENDPOINT_API=%s OSC_REGION=%s", in.OutscaleAPIURL, in.OutscaleRegion)
	p("  export AWS_ENDPOINT_URL_S3=%s AWS_REGION=%s", in.S3URL, in.OutscaleRegion)
	p("  # NEBIUS_ENDPOINT names a TLS API domain (cpl.iam.<domain>:443), which this")
	p("  # plaintext emulator is not: in Go use nebius.Options{Address: %q, Plaintext: true}.", in.NebiusIAMAddr)
	p("  # Token endpoints in Go: auth.ServiceAccountOptions{Endpoint: <token URL above>}.")
	p("")
	helper := filepath.Join(in.Dir, "iamkit-credential-process")
	p("AWS CLI: build the credential helper, then add this profile to ~/.aws/config")
	p("  go build -o %s ./examples/credential-process", helper)
	p("")
	p("  [profile iamkit-emulator]")
	p("  credential_process = env OSC_CONFIG_FILE=%s %s -cloud outscale -profile default -cache %s",
		in.OutscaleConfigFile, helper, filepath.Join(in.Dir, "credential-process-cache.json"))
	p("  region = %s", in.OutscaleRegion)
	p("  endpoint_url = %s", in.S3URL)
	p("  s3 =")
	p("      addressing_style = path")
	p("")
	// aws-cli before 2.13 (Debian 12 ships 2.9) ignores endpoint_url and
	// AWS_ENDPOINT_URL_S3 and would send the request to AWS: pass the flag.
	p("  # aws-cli < 2.13 (Debian 12's 2.9) ignores endpoint_url: pass --endpoint-url")
	p("  aws --profile iamkit-emulator --endpoint-url %[1]s s3 mb s3://demo && aws --profile iamkit-emulator --endpoint-url %[1]s s3 ls", in.S3URL)
	p("")
}
