package iamkit_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

const modulePath = "github.com/iamkit/iamkit"

// Canary secrets: each is put into one kind of secret field, so that a leak
// names the field it came from.
const (
	canarySecret   = "CANARY-SECRET-5f1e9c0a"
	canarySession  = "CANARY-SESSION-7d2b41ee"
	canaryToken    = "CANARY-TOKEN-0c3f8a91"
	canaryEnvToken = "CANARY-ENVTOKEN-1b9d7c33"
	canaryPassword = "CANARY-PASSWORD-e4a0c7d2"
	canaryJSON     = "CANARY-CREDJSON-88a1f0b4"
	canaryAPIKey   = "CANARY-APIKEY-3e6d2f19"
	canaryKeyB64   = "CANARY-KEYB64-9a4c6e02"
)

// TestNoSecretPrintsAnywhere builds every exported type of the module that
// holds a secret (see TestEverySecretHolderIsRendered for how the list is
// kept complete) with canary secrets, renders each under every fmt verb,
// bare, as a pointer, nested in structs (exported and unexported fields),
// slices, maps and []any, through log/slog's text and JSON handlers,
// encoding/json, encoding/xml and inside errors, and checks that no canary
// (nor its hex, base64 or byte-list form) shows up in any rendering.
//
// The telemetry (span attributes and events, metric attributes) is
// scanned the same way by TestNoSecretInTelemetry in the nested module
// observability/, which has the OpenTelemetry SDK that recording needs.
func TestNoSecretPrintsAnywhere(t *testing.T) {
	s := buildSuite(t)
	for _, smp := range s.samples {
		for _, f := range smp.forms {
			s.render(smp, f)
		}
	}
	t.Logf("%d renderings of %d samples (%d types), %d canary forms searched; %d reflection-only renderings of emulator fixtures skipped",
		s.renderings, len(s.samples), len(s.types()), len(s.needles), s.skipped)
	if s.redacted == 0 {
		t.Fatal("no rendering printed REDACTED: did the samples hold secrets?")
	}
	if len(s.leaks) > 0 {
		sort.Strings(s.leaks)
		per := map[string]int{}
		for _, l := range s.leaks {
			k, _, _ := strings.Cut(l, ":")
			per[k]++
		}
		var summary []string
		for k, v := range per {
			summary = append(summary, fmt.Sprintf("%s: %d", k, v))
		}
		sort.Strings(summary)
		t.Errorf("leaking renderings by sample/form:\n%s", strings.Join(summary, "\n"))
		n := min(len(s.leaks), 40)
		t.Fatalf("%d of %d renderings leak a secret; the first %d:\n%s", len(s.leaks), s.renderings, n, strings.Join(s.leaks[:n], "\n"))
	}
}

// TestEverySecretHolderIsRendered lists, from the compiled packages' type
// information, every exported type of the module whose value holds a
// secret (an iam.Secret, an RSA private key, an *oauth2.Token, an
// aws.Credentials, or a string field named like a secret), directly or
// through fields, pointers, slices, maps and generic type arguments. Each
// must be among the samples of TestNoSecretPrintsAnywhere and have the
// printing methods String, GoString, Format and LogValue.
func TestEverySecretHolderIsRendered(t *testing.T) {
	holders := secretHolders(t)
	s := buildSuite(t)
	registered := s.types()
	var missing []string
	for name, path := range holders {
		if _, ok := registered[name]; !ok {
			missing = append(missing, name+" (holds "+path+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d secret-holding types are not rendered by TestNoSecretPrintsAnywhere; add a sample:\n\t%s", len(missing), strings.Join(missing, "\n\t"))
	}
	var noMethods []string
	for name, typ := range registered {
		if _, ok := holders[name]; !ok {
			continue
		}
		for _, m := range []struct {
			name  string
			iface reflect.Type
		}{
			{"String", reflect.TypeFor[fmt.Stringer]()},
			{"GoString", reflect.TypeFor[fmt.GoStringer]()},
			{"Format", reflect.TypeFor[fmt.Formatter]()},
			{"LogValue", reflect.TypeFor[slog.LogValuer]()},
		} {
			if !typ.Implements(m.iface) {
				noMethods = append(noMethods, typ.String()+" lacks "+m.name)
			}
		}
	}
	sort.Strings(noMethods)
	if len(noMethods) > 0 {
		t.Errorf("%d printing methods missing:\n\t%s", len(noMethods), strings.Join(noMethods, "\n\t"))
	}
	t.Logf("%d secret-holding exported types found", len(holders))
}

// ---- the samples ----

type form struct {
	name string
	v    any
}

type sample struct {
	name string
	typ  reflect.Type // as used: T for value types, *T for pointer types
	// fixture is set for the emulators' types that still hold their test
	// secrets in exported plaintext fields (nebiustest.ServiceAccount's
	// CredentialsJSON; iamtest's fixtures are iam.Secret values). Their
	// printing methods cover every rendering that goes through methods;
	// what fmt prints by reflection alone (the %p and %w verbs, a value in
	// an unexported field) would show those fields, and is not rendered for
	// them.
	fixture bool
	forms   []form
}

// Nesting wrappers: exported and unexported fields.
type (
	shown[T any]  struct{ V T }
	hidden[T any] struct {
		n int
		v T
	}
	deep[T any] struct {
		Name  string
		inner struct {
			list []T
			m    map[string]T
		}
		Ptrs []*T
		Any  any
	}
)

// add registers v, a value of a secret-holding type, rendered every way.
func add[T any](s *suite, name string, v T) { addSample(s, name, v, false) }

// addFixture registers an emulator value that holds test secrets in
// exported string fields (see sample.fixture).
func addFixture[T any](s *suite, name string, v T) { addSample(s, name, v, true) }

func addSample[T any](s *suite, name string, v T, fixture bool) {
	p := &v
	fs := []form{
		{"bare", v},
		{"ptr", p},
		{"field", shown[T]{v}},
		{"&field", &shown[T]{v}},
		{"ptrfield", shown[*T]{p}},
		{"slice", []T{v, v}},
		{"ptrslice", []*T{p, p}},
		{"map", map[string]T{"k": v}},
		{"ptrmap", map[string]*T{"k": p}},
		{"any", []any{v}},
		{"anyptr", []any{p}},
		{"anymap", map[string]any{"v": v, "p": p}},
		{"anyfield", shown[any]{v}},
	}
	if reflect.TypeFor[T]().Comparable() {
		fs = append(fs, form{"mapkey", map[any]int{any(v): 1}})
	}
	if !fixture {
		d := &deep[T]{Name: "n", Ptrs: []*T{p}, Any: hidden[T]{v: v}}
		d.inner.list = []T{v}
		d.inner.m = map[string]T{"k": v}
		fs = append(fs,
			form{"hidden", hidden[T]{1, v}},
			form{"&hidden", &hidden[T]{1, v}},
			form{"hiddenptr", hidden[*T]{1, p}},
			form{"&hiddenptr", &hidden[*T]{1, p}},
			form{"hiddenslice", hidden[[]*T]{1, []*T{p}}},
			form{"hiddenmap", &hidden[map[string]T]{1, map[string]T{"k": v}}},
			form{"hiddenany", hidden[any]{1, p}},
			form{"deep", d},
			form{"*deep", *d},
		)
	}
	s.samples = append(s.samples, sample{name: name, typ: reflect.TypeFor[T](), fixture: fixture, forms: fs})
}

type suite struct {
	t          *testing.T
	samples    []sample
	canaries   []string // plaintexts
	needles    []string // the plaintexts and their encodings
	renderings int
	skipped    int // fixtures' reflection-only renderings
	redacted   int
	leaks      []string
}

func (s *suite) types() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, smp := range s.samples {
		rt := smp.typ
		if rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		m[rt.PkgPath()+"."+rt.Name()] = smp.typ
	}
	return m
}

// canary records a plaintext that must never be printed.
func (s *suite) canary(c string) {
	if c == "" {
		s.t.Fatal("empty canary")
	}
	s.canaries = append(s.canaries, c)
	s.needles = append(s.needles, c, hex.EncodeToString([]byte(c)), strings.ToUpper(hex.EncodeToString([]byte(c))))
	if len(c) >= 12 {
		s.needles = append(s.needles, base64.StdEncoding.EncodeToString([]byte(c))[:16])
		b := fmt.Sprint([]byte(c[:12]))
		s.needles = append(s.needles, b[1:len(b)-1]) // "67 65 78 …": a []byte under %v or %d
	}
}

// rsaCanaries records the forms in which an RSA private key could show: its
// PEM body lines, and the private exponent and primes as numbers (big.Int
// printed by its methods, or its words printed by reflection, in base 10,
// 16, 8 and 2).
func (s *suite) rsaCanaries(pemKey []byte, k *rsa.PrivateKey) {
	for i, l := range strings.Split(string(pemKey), "\n") {
		if len(l) >= 40 && !strings.HasPrefix(l, "-----") {
			s.needles = append(s.needles, l)
			if i < 4 {
				b := fmt.Sprint([]byte(l[:16])) // the PEM held as []byte, under %v or %d
				s.needles = append(s.needles, b[1:len(b)-1])
			}
		}
	}
	for _, n := range []*big.Int{k.D, k.Primes[0], k.Primes[1]} {
		s.needles = append(s.needles, n.Text(10)[:24], n.Text(16)[:24])
		for _, w := range n.Bits()[:2] {
			for _, base := range []int{10, 16, 8, 2} {
				if t := strconv.FormatUint(uint64(w), base); len(t) >= 12 {
					s.needles = append(s.needles, t)
				}
			}
		}
	}
}

var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b",
	"%e", "%E", "%f", "%F", "%g", "%G", "%c", "%U", "%p", "%T", "%w",
	"%10s", "%-12v", "% x", "%#x", "%+q", "%#q", "%08d", "%.3s", "%#o", "%+d",
}

func (s *suite) render(smp sample, f form) {
	var outs []string
	for _, verb := range verbs {
		if smp.fixture && (verb == "%p" || verb == "%w") {
			s.skipped++
			continue
		}
		outs = append(outs, verb+" "+fmt.Sprintf(verb, f.v))
	}
	outs = append(outs, "Sprint "+fmt.Sprint(f.v), "Sprintln "+fmt.Sprintln(f.v, f.v))

	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		l := slog.New(h)
		for i, log := range []func(){
			func() { l.Debug("m", "x", f.v) },
			func() { l.Info("m", slog.Any("x", f.v)) },
			func() { l.Info("m", slog.Group("g", "x", f.v)) },
			func() { l.With("x", f.v).Warn("m") },
			func() { l.WithGroup("g").Error("m", "x", f.v, "err", fmt.Errorf("e: %v", f.v)) },
		} {
			buf.Reset()
			log()
			outs = append(outs, fmt.Sprintf("slog %T #%d %s", h, i, buf.String()))
		}
	}

	j, err := json.Marshal(f.v)
	outs = append(outs, fmt.Sprintf("json %s %v", j, err))
	j, err = json.MarshalIndent(map[string]any{"x": f.v}, "", " ")
	outs = append(outs, fmt.Sprintf("json %s %v", j, err))
	x, err := xml.Marshal(f.v)
	outs = append(outs, fmt.Sprintf("xml %s %v", x, err))
	x, err = xml.Marshal(struct {
		XMLName xml.Name `xml:"w"`
		X       any      `xml:"x"`
	}{X: f.v})
	outs = append(outs, fmt.Sprintf("xml %s %v", x, err))

	e1 := fmt.Errorf("wrapped: %v", f.v)
	e2 := fmt.Errorf("outer: %w", fmt.Errorf("%+v", f.v))
	e3 := errors.Join(e1, fmt.Errorf("%#v", f.v))
	outs = append(outs, "err "+e1.Error(), "err "+e2.Error(), "err "+e3.Error(), fmt.Sprintf("err %+v", e2), fmt.Sprintf("err %q", e3))

	for _, o := range outs {
		s.renderings++
		if strings.Contains(o, iam.Redacted) {
			s.redacted++
		}
		for _, n := range s.needles {
			if i := strings.Index(o, n); i >= 0 {
				s.leaks = append(s.leaks, fmt.Sprintf("%s/%s: %s", smp.name, f.name, snippet(o, i, len(n))))
				break
			}
		}
	}
}

func snippet(o string, i, n int) string {
	head, _, _ := strings.Cut(o, " ")
	return head + " …" + o[max(0, i-60):min(len(o), i+n+10)] + "…"
}

// buildSuite makes one sample (or several, for the ways a type is made) of
// every secret-holding type, with canary secrets, and of the clients and
// token sources that hold such values behind interfaces.
func buildSuite(t *testing.T) *suite {
	t.Helper()
	s := &suite{t: t}
	for _, c := range []string{canarySecret, canarySession, canaryToken, canaryEnvToken, canaryPassword, canaryJSON, canaryAPIKey, canaryKeyB64} {
		s.canary(c)
	}
	ctx := context.Background()

	// A private key whose PEM lines and numbers are canaries.
	pemKey, err := os.ReadFile("auth/testdata/keys/rsa2048-pkcs8.pem")
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := auth.ParsePrivateKeyPEM(pemKey, "rsa2048-pkcs8.pem")
	if err != nil {
		t.Fatal(err)
	}
	s.rsaCanaries(pemKey, rsaKey)

	// iam
	secret := iam.NewSecret(canarySecret)
	add(s, "iam.Secret", secret)
	key := iam.AccessKey{Provider: iam.Nebius, ID: "id-1", AccessKeyID: "AKID1", Secret: secret,
		SessionToken: iam.NewSecret(canarySession), Owner: "sa-1", State: iam.StateActive, CreatedAt: time.Unix(1e9, 0)}
	add(s, "iam.AccessKey", key)
	add(s, "*iam.AccessKey", &key)

	// auth
	tok := auth.Token{Value: iam.NewSecret(canaryToken), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}
	add(s, "auth.Token", tok)
	static, err := auth.NewStaticTokenSource(iam.NewSecret(canaryToken), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	add(s, "auth.StaticTokenSource", static)
	t.Setenv(nebiusauth.EnvIAMToken, canaryEnvToken)
	t.Setenv(yandexauth.EnvIAMToken, canaryEnvToken)
	for name, fn := range map[string]func() (*auth.StaticTokenSource, error){
		"nebiusauth.EnvTokenSource": func() (*auth.StaticTokenSource, error) { return nebiusauth.EnvTokenSource() },
		"yandexauth.EnvTokenSource": func() (*auth.StaticTokenSource, error) { return yandexauth.EnvTokenSource() },
	} {
		src, err := fn()
		if err != nil {
			t.Fatal(err)
		}
		add(s, name, src)
	}
	saKey, err := auth.NewServiceAccountKey("publickey-1", "serviceaccount-1", rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "*auth.ServiceAccountKey", saKey)
	add(s, "auth.ServiceAccountKey", *saKey)
	ns, err := nebiusauth.NewSigner(saKey)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebiusauth.Signer", ns)
	ys, err := yandexauth.NewSigner(saKey)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "yandexauth.Signer", ys)
	ykey, err := auth.NewServiceAccountKey("key-1", "sa-1", rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	keyJSON, err := yandexauth.MarshalKeyFile(&yandexauth.KeyFile{Key: ykey, KeyAlgorithm: "RSA_2048"})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := yandexauth.ParseKeyFile(keyJSON, "key.json")
	if err != nil {
		t.Fatal(err)
	}
	add(s, "*yandexauth.KeyFile", kf)
	add(s, "yandexauth.KeyFile", *kf)
	apiKey := &yandexauth.APIKey{ID: "aje-api", ServiceAccountID: "sa-1", Scopes: []string{"yc.postbox.send"}, Secret: iam.NewSecret(canaryAPIKey)}
	add(s, "*yandexauth.APIKey", apiKey)
	add(s, "yandexauth.APIKey", *apiKey)
	add(s, "yandexauth.APIKeyTransport", yandexauth.NewAPIKeyTransport(apiKey, nil))
	var keyFields map[string]string
	if err := json.Unmarshal(keyJSON, &keyFields); err != nil {
		t.Fatal(err)
	}
	ycYAML := "current: p\nprofiles:\n  p:\n    folder-id: b1g\n    service-account-key:\n      id: key-1\n      service_account_id: sa-1\n      private_key: |\n"
	for _, line := range strings.Split(strings.TrimRight(keyFields["private_key"], "\n"), "\n") {
		ycYAML += "        " + line + "\n"
	}
	ycConfig, err := yandexauth.ParseCLIConfig([]byte(ycYAML), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	add(s, "*yandexauth.CLIConfig", ycConfig)
	add(s, "yandexauth.CLIConfig", *ycConfig)
	add(s, "*yandexauth.CLIProfile", ycConfig.Profiles["p"])
	add(s, "yandexauth.CLIProfile", *ycConfig.Profiles["p"])
	ycfg, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) {
		o.Getenv = func(k string) string { return map[string]string{yandexauth.EnvIAMToken: canaryEnvToken}[k] }
	})
	if err != nil {
		t.Fatal(err)
	}
	add(s, "yandex.Config", ycfg)
	oscFile := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(oscFile, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	ocfg, err := outscale.LoadDefaultConfig(ctx, func(o *outscale.LoadOptions) {
		o.Getenv = func(k string) string {
			return map[string]string{"OSC_ACCESS_KEY": "AKIDCANARY", "OSC_SECRET_KEY": canarySecret, "OSC_CONFIG_FILE": oscFile}[k]
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	add(s, "outscale.Config", ocfg)
	nx, err := nebiusauth.NewExchanger(ns)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebiusauth.Exchanger", nx)
	yx, err := yandexauth.NewExchanger(ys)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "yandexauth.Exchanger", yx)
	cache, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) { return tok, nil }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	if _, err := cache.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	add(s, "auth.Cache", cache)
	add(s, "auth.Transport", auth.NewTransport(static, nil))

	// credentials
	sp, err := iamcreds.NewStaticProvider(key)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "credentials.StaticProvider", sp)
	stored := iamcreds.StoredKey{Role: iamcreds.RoleCurrent, Key: key}
	state := &iamcreds.StoredState{Provider: iam.Yandex, Description: "d", Keys: []iamcreds.StoredKey{stored}}
	add(s, "credentials.StoredKey", stored)
	add(s, "*credentials.StoredState", state)
	add(s, "credentials.StoredState", *state)
	add(s, "credentials.Snapshot", iamcreds.Snapshot{State: state, Revision: 7})

	// iam/outscale, and a managed provider on the OUTSCALE emulator.
	osrv, err := outscaletest.New(func(o *outscaletest.Options) { o.Password = iam.NewSecret(canaryPassword) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(osrv.Close)
	s.canary(osrv.Root.SecretKey.Reveal())
	oc, err := outscale.New(osrv.ClientOptions(osrv.Root))
	if err != nil {
		t.Fatal(err)
	}
	add(s, "outscale.Client/sigv4", oc)
	ob, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint, o.Login, o.Password = osrv.URL, osrv.Root.Login, iam.NewSecret(canaryPassword)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(base64.StdEncoding.EncodeToString([]byte(osrv.Root.Login + ":" + canaryPassword)))
	add(s, "outscale.Client/basic", ob)
	add(s, "outscale.AccessKeys/sigv4", oc.AccessKeys())
	add(s, "outscale.AccessKeys/basic", ob.AccessKeys())
	add(s, "outscale.APIAccessPolicyClient/sigv4", oc.APIAccessPolicy())
	add(s, "outscale.APIAccessPolicyClient/basic", ob.APIAccessPolicy())
	created, err := oc.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(created.SecretKey.Reveal())
	add(s, "*outscale.AccessKeySecretKey", created)
	add(s, "outscale.AccessKeySecretKey", *created)
	add(s, "outscale.CheckAuthenticationRequest", outscale.CheckAuthenticationRequest{Login: "me@example.com", Password: iam.NewSecret(canaryPassword)})
	prof := &outscale.Profile{Name: "default", AccessKey: "AK", SecretKey: secret, Login: "me", Password: iam.NewSecret(canaryPassword),
		Region: "eu-west-2", X509ClientKeyB64: iam.NewSecret(canaryKeyB64)}
	add(s, "*outscale.Profile", prof)
	add(s, "outscale.Profile", *prof)
	add(s, "outscale.Options", outscale.Options{Profile: prof, AccessKey: "AK", SecretKey: secret, Login: "me", Password: iam.NewSecret(canaryPassword)})
	okm, err := outscale.NewKeyManager(oc)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "outscale.KeyManager", okm)
	okb, err := outscale.NewKeyManager(ob, func(o *outscale.KeyManagerOptions) { o.UserName = "alice" })
	if err != nil {
		t.Fatal(err)
	}
	add(s, "outscale.KeyManager/basic", okb)
	mp, err := iamcreds.NewManagedProvider(okm, func(o *iamcreds.ManagedOptions) { o.Policy.Description = "iamkit-canary" })
	if err != nil {
		t.Fatal(err)
	}
	mc, err := mp.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.canary(mc.SecretAccessKey)
	// Stopped, so that the reflection-only renderings (%p, %w: fmt reads
	// the fields without the provider's locks) do not race with its
	// rotation goroutine; it still holds its key.
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mp.Status(); st.Current != mc.AccessKeyID {
		t.Fatalf("closed provider's current key = %q, want %q", st.Current, mc.AccessKeyID)
	}
	add(s, "credentials.ManagedProvider", mp)
	add(s, "outscaletest.Credentials", osrv.Root)
	add(s, "outscaletest.Options", outscaletest.Options{Login: "root", Password: iam.NewSecret(canaryPassword)})
	add(s, "outscaletest.Server", osrv) // its Root is a Credentials

	// iam/yandex on its emulator.
	reg := iamtest.NewRegistry()
	ysrv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ysrv.Close)
	ytoken := ysrv.IssueToken(ysrv.ServiceAccountID(), 0)
	s.canary(ytoken)
	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: ytoken}), ysrv.ClientOptions(), func(o *yandex.Options) {
		o.ServiceAccountID = ysrv.ServiceAccountID()
	})
	if err != nil {
		t.Fatal(err)
	}
	add(s, "yandex.Client", yc)
	add(s, "yandex.APIKeys", yc.APIKeys())
	add(s, "yandex.AccessKeys", yc.AccessKeys())
	add(s, "yandex.Keys", yc.Keys())
	add(s, "yandex.EphemeralAccessKeys", yc.EphemeralAccessKeys())
	add(s, "yandex.Operations", yc.Operations())
	ykm, err := yandex.NewKeyManager(yc, "")
	if err != nil {
		t.Fatal(err)
	}
	add(s, "yandex.KeyManager", ykm)
	ak, err := yc.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{ServiceAccountID: ysrv.ServiceAccountID()})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(ak.Secret.Reveal())
	add(s, "*yandex.CreatedAccessKey", ak)
	add(s, "yandex.CreatedAccessKey", *ak)
	apik, err := yc.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{ServiceAccountID: ysrv.ServiceAccountID()})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(apik.Secret.Reveal())
	add(s, "yandex.CreatedAPIKey", *apik)
	yk, err := yc.Keys().Create(ctx, yandex.CreateKeyRequest{ServiceAccountID: ysrv.ServiceAccountID()})
	if err != nil {
		t.Fatal(err)
	}
	s.pemCanaries(yk.PrivateKey.Reveal())
	add(s, "yandex.CreatedKey", *yk)
	ek, err := yc.EphemeralAccessKeys().Create(ctx, yandex.CreateEphemeralAccessKeyRequest{SubjectID: ysrv.ServiceAccountID(), SessionName: "canary"})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(ek.Secret.Reveal())
	s.canary(ek.SessionToken.Reveal())
	add(s, "yandex.EphemeralAccessKey", *ek)
	bootstrap, err := ysrv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	var keyFile struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(bootstrap, &keyFile); err != nil {
		t.Fatal(err)
	}
	s.pemCanaries(keyFile.PrivateKey)
	add(s, "yandextest.Server", ysrv)
	add(s, "yandextest.Options", yandextest.Options{Registry: reg})

	// iam/nebius on its emulator.
	ntok, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ntok.Close)
	nsrv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nsrv.Close)
	sa, err := nsrv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	s.pemCanaries(nebiusPrivateKey(t, []byte(sa.CredentialsJSON.Reveal())))
	add(s, "nebiustest.ServiceAccount", sa)
	ntoken := nsrv.IssueToken(sa.ID, time.Hour)
	s.canary(ntoken)
	nts, err := auth.NewStaticTokenSource(iam.NewSecret(ntoken), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nebius.New(nts, nsrv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	add(s, "nebius.Client", nc)
	add(s, "nebius.AccessKeys", nc.AccessKeys())
	nk, err := nc.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	s.canary(nk.Secret.Reveal())
	add(s, "*nebius.AccessKey", nk)
	add(s, "nebius.AccessKey", *nk)
	add(s, "nebius.Page[*nebius.AccessKey]", nebius.Page[*nebius.AccessKey]{Items: []*nebius.AccessKey{nk}})
	add(s, "nebius.AccessKeySecret", nebius.AccessKeySecret{Secret: secret})
	add(s, "nebius.BootstrapResult", nebius.BootstrapResult{Key: saKey, CredentialsJSON: iam.NewSecret(canaryJSON)})
	km, err := nebius.NewKeyManager(nc, nebius.ServiceAccount(sa.ID))
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebius.KeyManager", km)
	add(s, "nebius.ExchangeRequest", nebius.ExchangeRequest{SubjectToken: iam.NewSecret(canaryJSON), SubjectTokenType: nebius.TokenTypeJWT,
		ActorToken: iam.NewSecret(canaryToken), ActorTokenType: nebius.TokenTypeAccessToken})
	nkey, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	grpcTokens, err := nebius.ServiceAccountTokens(nkey, nsrv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { grpcTokens.Close() })
	gtok, err := grpcTokens.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.canary(gtok.Value.Reveal())
	add(s, "*nebius.TokenSource", grpcTokens)
	add(s, "nebiustest.Server", nsrv)
	add(s, "nebiustest.Options", nebiustest.Options{Registry: reg})
	issuer, err := nebiustest.NewOIDCIssuer("https://oidc.example")
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebiustest.OIDCIssuer", issuer)

	// The Nebius ambient sources: a profile with an inline private-key, a
	// token file, the default chain, the metadata emulator.
	nebiusYAML := "profiles:\n  p:\n    auth-type: service account\n    service-account-id: sa\n    public-key-id: k\n    private-key: |\n"
	for _, line := range strings.Split(strings.TrimRight(string(pemKey), "\n"), "\n") {
		nebiusYAML += "      " + line + "\n"
	}
	nebiusConfig, err := nebiusauth.ParseCLIConfig([]byte(nebiusYAML), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	add(s, "*nebiusauth.CLIConfig", nebiusConfig)
	add(s, "nebiusauth.CLIConfig", *nebiusConfig)
	add(s, "*nebiusauth.CLIProfile", nebiusConfig.Profiles["p"])
	add(s, "nebiusauth.CLIProfile", *nebiusConfig.Profiles["p"])
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(canaryEnvToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := nebiusauth.TokenFileSource(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebiusauth.TokenFile", tf)
	ncfg, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
		o.Getenv = func(k string) string { return map[string]string{nebiusauth.EnvIAMToken: canaryEnvToken}[k] }
	})
	if err != nil {
		t.Fatal(err)
	}
	add(s, "nebius.Config", ncfg)
	nmd, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nmd.Close)
	add(s, "iamtest.NebiusMetadataServer", nmd)
	add(s, "iamtest.NebiusMetadataOptions", iamtest.NebiusMetadataOptions{Registry: reg})

	// iamtest
	reg.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDCANARY", Secret: iam.NewSecret(canarySecret), SessionToken: iam.NewSecret(canarySession), Active: true})
	reg.PutToken(canaryToken, iamtest.IssuedToken{Subject: "sa", Issuer: "nebius", ExpiresAt: time.Now().Add(time.Hour)})
	s3k, _ := reg.S3Key("AKIDCANARY")
	add(s, "iamtest.S3Key", s3k)
	add(s, "iamtest.Registry", reg)
	s.canary(ntok.IssueToken("sa-canary", time.Hour)) // recorded in reg
	add(s, "iamtest.NebiusTokenServer", ntok)
	ytok, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ytok.Close)
	s.canary(ytok.IssueToken("sa-canary", time.Hour))
	add(s, "iamtest.YandexTokenServer", ytok)
	add(s, "iamtest.TokenServerOptions", iamtest.TokenServerOptions{Registry: reg})
	s3srv, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s3srv.Close)
	add(s, "iamtest.S3Server", s3srv)
	add(s, "iamtest.S3Options", iamtest.S3Options{Registry: reg})
	ymd, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ymd.Close)
	add(s, "iamtest.YandexMetadataServer", ymd)
	add(s, "iamtest.YandexMetadataOptions", iamtest.YandexMetadataOptions{Registry: reg})
	return s
}

// pemCanaries records the body lines of a PEM private key (possibly after
// a Yandex "PLEASE DO NOT REMOVE" line).
func (s *suite) pemCanaries(p string) {
	i := strings.Index(p, "-----BEGIN")
	if i < 0 {
		s.t.Fatalf("no PEM in %d bytes", len(p))
	}
	b, _ := pem.Decode([]byte(p[i:]))
	if b == nil {
		s.t.Fatal("bad PEM")
	}
	k, err := auth.ParsePrivateKeyPEM([]byte(p[i:]), "canary")
	if err != nil {
		s.t.Fatal(err)
	}
	s.rsaCanaries([]byte(p[i:]), k)
}

func nebiusPrivateKey(t *testing.T, credJSON []byte) string {
	var v struct {
		C struct {
			PrivateKey string `json:"private-key"`
		} `json:"subject-credentials"`
	}
	if err := json.Unmarshal(credJSON, &v); err != nil {
		t.Fatal(err)
	}
	return v.C.PrivateKey
}

// ---- which types hold secrets ----

// secretMarkers are the types whose values are secrets.
var secretMarkers = map[string]bool{
	modulePath + "/iam.Secret":                     true,
	"crypto/rsa.PrivateKey":                        true,
	"crypto/ecdsa.PrivateKey":                      true,
	"crypto/ed25519.PrivateKey":                    true,
	"golang.org/x/oauth2.Token":                    true,
	"github.com/aws/aws-sdk-go-v2/aws.Credentials": true,
	"crypto/tls.Certificate":                       true,
}

// secretFieldName matches string and []byte fields that hold plaintext
// secrets (the emulators' test secrets, on-disk forms).
var secretFieldName = regexp.MustCompile(`(?i)^(secret|secretkey|secretaccesskey|sessiontoken|password|passwd|token|accesstoken|iamtoken|privatekey|basic|credentialsjson)$`)

// secretHolders returns every exported type of the module's non-internal,
// non-main packages that holds a secret, with the field path to it. It
// reads the type information of the compiled packages (go list -export).
func secretHolders(t *testing.T) map[string]string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}\t{{.Name}}", "./...")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.Bytes())
	}
	exports := map[string]string{}
	var pkgs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		exports[f[0]] = f[1]
		if (f[0] == modulePath || strings.HasPrefix(f[0], modulePath+"/")) && f[1] != "" && f[2] != "main" &&
			!strings.Contains(f[0]+"/", "/internal/") {
			pkgs = append(pkgs, f[0])
		}
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of the module: %v", len(pkgs), pkgs)
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(exports[path])
	})
	holders := map[string]string{}
	for _, p := range pkgs {
		pkg, err := imp.Import(p)
		if err != nil {
			t.Fatalf("import %s: %v", p, err)
		}
		for _, name := range pkg.Scope().Names() {
			tn, ok := pkg.Scope().Lookup(name).(*types.TypeName)
			if !ok || !tn.Exported() || tn.IsAlias() {
				continue
			}
			if _, isIface := tn.Type().Underlying().(*types.Interface); isIface {
				continue
			}
			if path := holdsSecret(tn.Type(), map[types.Type]bool{}); path != "" {
				holders[p+"."+name] = path
			}
		}
	}
	return holders
}

// holdsSecret returns the path to a secret inside values of t, or "".
// Interfaces and functions are not followed (what they hold is not known
// statically); types from outside the module are followed only through
// their type arguments (atomic.Pointer[entry]).
func holdsSecret(t types.Type, seen map[types.Type]bool) string {
	switch t := t.(type) {
	case *types.Alias:
		return holdsSecret(types.Unalias(t), seen)
	case *types.Named:
		o := t.Obj()
		if o.Pkg() != nil && secretMarkers[o.Pkg().Path()+"."+o.Name()] {
			return o.Pkg().Name() + "." + o.Name()
		}
		if seen[t] {
			return ""
		}
		seen[t] = true
		if o.Pkg() == nil || (o.Pkg().Path() != modulePath && !strings.HasPrefix(o.Pkg().Path(), modulePath+"/")) {
			for i := range t.TypeArgs().Len() {
				if p := holdsSecret(t.TypeArgs().At(i), seen); p != "" {
					return o.Name() + "[" + p + "]"
				}
			}
			return ""
		}
		return holdsSecret(t.Underlying(), seen)
	case *types.Pointer:
		return holdsSecret(t.Elem(), seen)
	case *types.Slice:
		return holdsSecret(t.Elem(), seen)
	case *types.Array:
		return holdsSecret(t.Elem(), seen)
	case *types.Chan:
		return holdsSecret(t.Elem(), seen)
	case *types.Map:
		if p := holdsSecret(t.Key(), seen); p != "" {
			return "[key]." + p
		}
		return holdsSecret(t.Elem(), seen)
	case *types.Struct:
		for i := range t.NumFields() {
			f := t.Field(i)
			if isPlaintext(f.Type()) && secretFieldName.MatchString(f.Name()) {
				return f.Name() + " (" + f.Type().String() + ")"
			}
			if p := holdsSecret(f.Type(), seen); p != "" {
				return f.Name() + "." + p
			}
		}
	}
	return ""
}

func isPlaintext(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&types.IsString != 0
	case *types.Slice:
		b, ok := u.Elem().Underlying().(*types.Basic)
		return ok && b.Kind() == types.Byte
	}
	return false
}
