package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/internal/atomicfile"
	"github.com/iamkit/iamkit/internal/loopback"
)

// defaultAddrBase is the first of the seven consecutive ports the
// emulators listen on by default.
const defaultAddrBase = "127.0.0.1:18400"

// readyPrefix starts the line printed once every emulator is serving.
const readyPrefix = "ready:"

// The regions written to the profiles; the S3 and OUTSCALE emulators
// accept any signing region.
const (
	nebiusRegion   = "eu-north1"
	yandexRegion   = "ru-central1"
	outscaleRegion = "eu-west-2"
)

// service is one emulator and the address it is served on.
type service struct {
	name   string // "Nebius token exchange"
	flag   string // "nebius-token"
	offset int    // port offset from --addr-base
	addr   string // requested address; filled from the flags
}

// emulatorInfo describes the running emulators; it is what --ready-file
// holds. It carries no secret: the OUTSCALE secret key is in its config
// file, the others' keys in their key files.
type emulatorInfo struct {
	NebiusTokenURL        string `json:"nebius_token_url"`
	NebiusIAMAddr         string `json:"nebius_iam_addr"`
	YandexTokenURL        string `json:"yandex_token_url"`
	YandexIAMURL          string `json:"yandex_iam_url"`
	YandexEndpoint        string `json:"yandex_endpoint"`
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
	AWSConfigFile         string `json:"aws_config_file"`
	RcloneConfigFile      string `json:"rclone_config_file"`
	// AWSProfiles names the AWS CLI profile of each cloud ("nebius" →
	// "iamkit-nebius"); the rclone remotes have the same names.
	AWSProfiles map[string]string `json:"aws_profiles"`
	// Executable is the iamkit the profiles run.
	Executable string `json:"executable"`
}

type emulatorOptions struct {
	base      string
	services  []*service
	readyFile string
}

func emulatorFlags() (*flagSet, *emulatorOptions) {
	fs := newFlagSet("emulator",
		"iamkit emulator [--addr-base 127.0.0.1:18400] [--ready-file path]",
		`Serves all of iamkit's emulators on fixed loopback ports, sharing one registry
(a key created in one works in the others), so that other programs can use them:
the AWS CLI and rclone through credential_process, the clouds' CLIs, your tests
in other languages:

  base+0  Nebius token exchange (HTTP, RFC 8693)  /oauth2/token/exchange
  base+1  Nebius IAM and token exchange (gRPC, plaintext), with reflection
  base+2  Yandex Cloud IAM token (HTTP)            /iam/v1/tokens
  base+3  Yandex Cloud IAM REST API and operations
  base+4  OUTSCALE API                             /api/v1/<Call>
  base+5  S3 (path-style, SigV4 checked against the keys the others mint)
  base+6  Yandex Cloud API endpoint (yc's "endpoint"): its endpoint list, the
          IAM token and the IAM REST API on one address, as the cloud serves them

It writes into a temporary directory a Nebius service-account credentials file,
a Yandex key.json, an OUTSCALE config.json, an AWS CLI config with a profile per
cloud (iamkit-nebius, iamkit-yandex, iamkit-outscale) whose credential_process
runs this iamkit (its real path) against the emulators, and an rclone config with
a remote per cloud using those profiles; it prints them, the endpoints, and
commands to paste. A line starting with "ready:" (and, with --ready-file, a JSON
file describing it all) says it is serving. SIGINT or SIGTERM stops it: the
emulators are closed, the directory removed, the calls each emulator received
printed, and it exits 0.

The emulators accept keys anyone can read from this output, so they listen on
loopback addresses only.`,
		`iamkit emulator                          # ports 18400-18406
iamkit emulator --addr-base 127.0.0.1:0  # free ports, printed
iamkit emulator --s3 127.0.0.1:9000      # S3 on 9000, the others from 18400`)
	o := &emulatorOptions{services: []*service{
		{name: "Nebius token exchange", flag: "nebius-token", offset: 0},
		{name: "Nebius IAM (gRPC)", flag: "nebius-iam", offset: 1},
		{name: "Yandex IAM token", flag: "yandex-token", offset: 2},
		{name: "Yandex IAM API", flag: "yandex-iam", offset: 3},
		{name: "OUTSCALE API", flag: "outscale", offset: 4},
		{name: "S3", flag: "s3", offset: 5},
		{name: "Yandex Cloud API endpoint", flag: "yandex-api", offset: 6},
	}}
	fs.StringVar(&o.base, "addr-base", defaultAddrBase, "loopback host:port of the first emulator; the others take the next six ports (port 0: free ports)")
	for _, s := range o.services {
		fs.StringVar(&s.addr, s.flag, "", "host:port of the "+s.name+" (default: --addr-base + "+strconv.Itoa(s.offset)+")")
	}
	fs.StringVar(&o.readyFile, "ready-file", "", "write a JSON description of the endpoints and files here once serving (removed on exit)")
	return fs, o
}

func runEmulator(ctx context.Context, io *stdio, args []string) (err error) {
	fs, o := emulatorFlags()
	if err := fs.parse(io, args); err != nil {
		return err
	}
	if err := resolveAddrs(o.base, o.services); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("the path of this iamkit, for the credential_process profiles: %w", err)
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
		return fmt.Errorf("%s on %s: %w (choose other ports with --addr-base, e.g. --addr-base 127.0.0.1:0 for free ones, or --%s)", s.name, s.addr, err, s.flag)
	}
	sv := o.services
	reg := iamtest.NewRegistry()
	nebTok, err := iamtest.NewNebiusTokenServer(func(x *iamtest.TokenServerOptions) { x.Registry, x.Addr = reg, sv[0].addr })
	if err != nil {
		return listenErr(sv[0], err)
	}
	cleanups = append(cleanups, nebTok.Close)
	nebIAM, err := nebiustest.New(func(x *nebiustest.Options) { x.Registry, x.Addr = reg, sv[1].addr })
	if err != nil {
		return listenErr(sv[1], err)
	}
	cleanups = append(cleanups, nebIAM.Close)
	yaTok, err := iamtest.NewYandexTokenServer(func(x *iamtest.TokenServerOptions) { x.Registry, x.Addr = reg, sv[2].addr })
	if err != nil {
		return listenErr(sv[2], err)
	}
	cleanups = append(cleanups, yaTok.Close)
	yaIAM, err := yandextest.New(func(x *yandextest.Options) { x.Registry, x.Addr = reg, sv[3].addr })
	if err != nil {
		return listenErr(sv[3], err)
	}
	cleanups = append(cleanups, yaIAM.Close)
	osc, err := outscaletest.New(func(x *outscaletest.Options) { x.Registry, x.Region, x.Addr = reg, outscaleRegion, sv[4].addr })
	if err != nil {
		return listenErr(sv[4], err)
	}
	cleanups = append(cleanups, osc.Close)
	s3, err := iamtest.NewS3Server(func(x *iamtest.S3Options) { x.Registry, x.Addr = reg, sv[5].addr })
	if err != nil {
		return listenErr(sv[5], err)
	}
	cleanups = append(cleanups, s3.Close)
	gw, err := newYandexGateway(sv[6].addr, yaIAM.URL, yaTok.URL)
	if err != nil {
		return listenErr(sv[6], err)
	}
	cleanups = append(cleanups, gw.close)

	info := emulatorInfo{
		NebiusTokenURL:    nebTok.URL,
		NebiusIAMAddr:     nebIAM.Addr,
		YandexTokenURL:    yaTok.URL,
		YandexIAMURL:      yaIAM.URL,
		YandexEndpoint:    gw.addr,
		OutscaleAPIURL:    osc.URL,
		S3URL:             s3.URL,
		Dir:               dir,
		OutscaleAccessKey: osc.Root.AccessKey,
		OutscaleRegion:    outscaleRegion,
		Executable:        exe,
		AWSProfiles:       map[string]string{"nebius": "iamkit-nebius", "yandex": "iamkit-yandex", "outscale": "iamkit-outscale"},
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
	profiles := emulatorProfiles(info)
	info.AWSConfigFile = filepath.Join(dir, "aws-config")
	if err := writePrivate(info.AWSConfigFile, []byte(profiles.aws)); err != nil {
		return err
	}
	info.RcloneConfigFile = filepath.Join(dir, "rclone.conf")
	if err := writePrivate(info.RcloneConfigFile, []byte(profiles.rclone)); err != nil {
		return err
	}

	printEmulatorInfo(io.stdout, info, profiles, osc.Root.SecretKey.Reveal())
	if o.readyFile != "" {
		data, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		if err := writePrivate(o.readyFile, data); err != nil {
			return fmt.Errorf("--ready-file: %w", err)
		}
		cleanups = append(cleanups, func() { _ = os.Remove(o.readyFile) })
	}
	fmt.Fprintln(io.stdout, readyPrefix, "serving; stop with Ctrl-C (SIGINT) or SIGTERM")

	<-ctx.Done()
	fmt.Fprintln(io.stdout, "stopping: closing the emulators and removing", dir)
	printCalls(io.stdout, []callCounter{
		{"nebius", nebIAM.Calls, []string{"AccessKeyService/Create", "AccessKeyService/ListByAccount", "AccessKeyService/Delete", "TokenExchangeService/Exchange"}},
		{"nebius-token", nebTok.Calls, []string{""}},
		{"yandex", yaIAM.Calls, []string{"AccessKeyService/Create", "AccessKeyService/List", "AccessKeyService/Delete"}},
		{"yandex-token", yaTok.Calls, []string{""}},
		{"outscale", osc.Calls, []string{"CreateAccessKey", "ReadAccessKeys", "DeleteAccessKey"}},
		{"s3", s3.Calls, []string{""}},
	})
	return nil
}

// callCounter names the calls of one emulator printed on exit.
type callCounter struct {
	name    string
	calls   func(string) int
	methods []string
}

// printCalls prints "calls: <emulator> <method> <count>" lines ("all" for
// every call of an emulator).
func printCalls(w io.Writer, cs []callCounter) {
	for _, c := range cs {
		for _, m := range c.methods {
			name := m
			if name == "" {
				name = "all"
			}
			fmt.Fprintf(w, "calls: %s %s %d\n", c.name, name, c.calls(m))
		}
	}
}

// resolveAddrs fills each service's address from base and checks that
// every address is on loopback.
func resolveAddrs(base string, services []*service) error {
	host, portStr, err := net.SplitHostPort(base)
	if err != nil {
		return usageErrorf("--addr-base %q: want host:port, e.g. %s: %v", base, defaultAddrBase, err)
	}
	last := len(services) - 1
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535-last {
		return usageErrorf("--addr-base %q: the port must be 0 or a number up to %d", base, 65535-last)
	}
	for _, s := range services {
		if s.addr == "" {
			p := 0
			if port != 0 {
				p = port + s.offset
			}
			s.addr = net.JoinHostPort(host, strconv.Itoa(p))
			if err := checkLoopback(s.addr); err != nil {
				return usageErrorf("--addr-base %q: %v", base, err)
			}
			continue
		}
		if err := checkLoopback(s.addr); err != nil {
			return usageErrorf("--%s %q: %v", s.flag, s.addr, err)
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

// yandexGateway is the Yandex Cloud API endpoint: as api.cloud.yandex.net
// and iam.api.cloud.yandex.net do, it lists the endpoints (naming itself
// for iam and operation) and serves the IAM token (passed to the token
// emulator) and the IAM REST API with its operations (passed to the IAM
// emulator) on one address, so that a yc "endpoint" of host:port works.
type yandexGateway struct {
	addr  string
	srv   *http.Server
	ln    net.Listener
	done  chan struct{}
	close func()
}

func newYandexGateway(addr, iamURL, tokenURL string) (*yandexGateway, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	iamU, err1 := url.Parse(iamURL)
	tokU, err2 := url.Parse(strings.TrimSuffix(tokenURL, iamtest.YandexTokenPath))
	if err := errors.Join(err1, err2); err != nil {
		ln.Close()
		return nil, err
	}
	toIAM, toTokens := httputil.NewSingleHostReverseProxy(iamU), httputil.NewSingleHostReverseProxy(tokU)
	g := &yandexGateway{addr: ln.Addr().String(), ln: ln, done: make(chan struct{})}
	g.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimRight(r.URL.Path, "/") {
		case "/endpoints":
			if r.Method != http.MethodGet {
				toIAM.ServeHTTP(w, r) // the IAM emulator's answer to a wrong method
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"endpoints": []map[string]string{
				{"id": "iam", "address": g.addr}, {"id": "operation", "address": g.addr},
			}})
		case iamtest.YandexTokenPath:
			toTokens.ServeHTTP(w, r)
		default:
			toIAM.ServeHTTP(w, r)
		}
	})}
	go func() {
		defer close(g.done)
		_ = g.srv.Serve(ln)
	}()
	g.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = g.srv.Shutdown(ctx)
		<-g.done
	}
	return g, nil
}

// profileText is what the emulator writes for the S3 tools.
type profileText struct {
	aws, rclone string
	// commands are the iamkit credential-process command lines, by cloud.
	commands map[string]string
}

// shellQuote quotes s for a POSIX shell (and for botocore, which splits
// credential_process the same way), only when needed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func commandLine(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// emulatorProfiles makes the AWS CLI and rclone configuration of the three
// clouds: each profile's credential_process runs this iamkit against the
// emulators, with its state in the emulator's directory.
func emulatorProfiles(in emulatorInfo) profileText {
	state := func(cloud string) string { return filepath.Join(in.Dir, "state", cloud, "state.json") }
	cmds := map[string]string{
		"nebius": commandLine(in.Executable, "credential-process", "--cloud", "nebius",
			"--nebius-key-file", in.NebiusCredentialsFile, "--nebius-address", "http://"+in.NebiusIAMAddr,
			"--nebius-project-id", in.NebiusProjectID, "--state-file", state("nebius")),
		"yandex": commandLine(in.Executable, "credential-process", "--cloud", "yandex",
			"--yandex-key-file", in.YandexKeyFile, "--yandex-endpoint", in.YandexEndpoint, "--state-file", state("yandex")),
		"outscale": commandLine(in.Executable, "credential-process", "--cloud", "outscale",
			"--outscale-config-file", in.OutscaleConfigFile, "--outscale-profile", "default", "--state-file", state("outscale")),
	}
	regions := map[string]string{"nebius": nebiusRegion, "yandex": yandexRegion, "outscale": outscaleRegion}
	var aws, rclone strings.Builder
	fmt.Fprintln(&aws, "# AWS CLI profiles of the iamkit emulators (AWS_CONFIG_FILE, or append to ~/.aws/config).")
	fmt.Fprintln(&aws, "# aws-cli < 2.13 (Debian 12's 2.9) ignores endpoint_url: pass --endpoint-url on every command.")
	fmt.Fprintln(&rclone, "# rclone remotes of the iamkit emulators: the credentials come from the AWS profile of the")
	fmt.Fprintln(&rclone, "# same name (env_auth), which runs iamkit credential-process: set AWS_CONFIG_FILE to the")
	fmt.Fprintln(&rclone, "# emulator's aws-config, or append the profiles to ~/.aws/config.")
	for _, cloud := range []string{"nebius", "yandex", "outscale"} {
		name := in.AWSProfiles[cloud]
		fmt.Fprintf(&aws, "\n[profile %s]\ncredential_process = %s\nregion = %s\nendpoint_url = %s\n", name, cmds[cloud], regions[cloud], in.S3URL)
		// Non-AWS S3 services refuse the checksums aws-cli 2.23+ and the
		// SDKs add to every request by default.
		fmt.Fprint(&aws, "request_checksum_calculation = when_required\nresponse_checksum_validation = when_required\n")
		fmt.Fprint(&aws, "s3 =\n    addressing_style = path\n")
		fmt.Fprintf(&rclone, "\n[%s]\ntype = s3\nprovider = Other\nenv_auth = true\nprofile = %s\nendpoint = %s\nregion = %s\nforce_path_style = true\n",
			name, name, in.S3URL, regions[cloud])
	}
	return profileText{aws: aws.String(), rclone: rclone.String(), commands: cmds}
}

// printEmulatorInfo prints the endpoints, credentials and snippets.
// oscSecret is printed on purpose: it is a test key of this emulator.
func printEmulatorInfo(w io.Writer, in emulatorInfo, pt profileText, oscSecret string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("iamkit emulators: test servers on loopback. Every key below is a test key of these emulators, valid nowhere else.")
	p("")
	p("Endpoints")
	p("  Nebius token exchange     %s", in.NebiusTokenURL)
	p("  Nebius IAM (gRPC, plain)  %s   (token exchange too)", in.NebiusIAMAddr)
	p("  Yandex IAM token          %s", in.YandexTokenURL)
	p("  Yandex IAM + operations   %s", in.YandexIAMURL)
	p("  Yandex Cloud API endpoint %s   (yc endpoint: endpoint list, token, IAM)", in.YandexEndpoint)
	p("  OUTSCALE API              %s", in.OutscaleAPIURL)
	p("  S3 (path-style)           %s", in.S3URL)
	p("")
	p("Credential files (in %s, removed on exit)", in.Dir)
	p("  Nebius service account    %s  project %s", in.NebiusServiceAccount, in.NebiusProjectID)
	p("    credentials file        %s", in.NebiusCredentialsFile)
	p("  Yandex service account    %s", in.YandexServiceAccount)
	p("    key.json                %s", in.YandexKeyFile)
	p("  OUTSCALE root access key  %s", in.OutscaleAccessKey)
	p("    secret key              %s   (printed on purpose: this emulator's test key)", oscSecret)
	p("    config.json             %s (profile \"default\")", in.OutscaleConfigFile)
	p("  AWS CLI config            %s", in.AWSConfigFile)
	p("  rclone config             %s", in.RcloneConfigFile)
	p("")
	p("iamkit on the emulators (paste into a shell)")
	p("  export IAMKIT_NEBIUS_KEY_FILE=%s IAMKIT_NEBIUS_ADDRESS=http://%s IAMKIT_NEBIUS_PROJECT_ID=%s",
		shellQuote(in.NebiusCredentialsFile), in.NebiusIAMAddr, in.NebiusProjectID)
	p("  export IAMKIT_YANDEX_KEY_FILE=%s IAMKIT_YANDEX_ENDPOINT=%s", shellQuote(in.YandexKeyFile), in.YandexEndpoint)
	p("  export OSC_CONFIG_FILE=%s OSC_PROFILE=default", shellQuote(in.OutscaleConfigFile))
	p("  %s doctor --no-metadata", shellQuote(in.Executable))
	p("  %s token --cloud nebius", shellQuote(in.Executable))
	p("  %s keys list --cloud yandex", shellQuote(in.Executable))
	p("")
	p("AWS CLI profiles (written to %s; the credential_process lines run this iamkit)", in.AWSConfigFile)
	for _, line := range strings.Split(strings.TrimSpace(pt.aws), "\n") {
		p("  %s", line)
	}
	p("")
	p("  # aws-cli < 2.13 (Debian 12's 2.9) ignores endpoint_url and AWS_ENDPOINT_URL*, and would send the")
	p("  # request, signed with a test key, to AWS: pass --endpoint-url on every command.")
	p("  export AWS_CONFIG_FILE=%s AWS_EC2_METADATA_DISABLED=true", shellQuote(in.AWSConfigFile))
	for _, cloud := range []string{"nebius", "yandex", "outscale"} {
		p("  aws --profile %s --endpoint-url %s s3 mb s3://demo-%s", in.AWSProfiles[cloud], in.S3URL, cloud)
	}
	p("  aws --profile iamkit-nebius --endpoint-url %s s3 ls", in.S3URL)
	p("")
	p("rclone remotes (written to %s; credentials from the AWS profiles above)", in.RcloneConfigFile)
	for _, line := range strings.Split(strings.TrimSpace(pt.rclone), "\n") {
		p("  %s", line)
	}
	p("")
	p("  AWS_CONFIG_FILE=%s rclone --config %s lsd iamkit-yandex:", shellQuote(in.AWSConfigFile), shellQuote(in.RcloneConfigFile))
	p("")
}
