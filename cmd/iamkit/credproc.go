package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

// minAhead is how far ahead the printed Expiration always is. botocore
// (the AWS CLI, boto3) refreshes credentials 15 minutes before their
// Expiration (advisory) and insists at 10 minutes (mandatory); an
// Expiration closer than 15 minutes would make it call the helper before
// every request. The minute above 15 is a margin for the run itself.
const minAhead = 16 * time.Minute

// credentialOutput is the JSON the AWS CLI and SDKs read from a
// credential_process helper.
type credentialOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

type credProcOptions struct {
	cloudFlags
	stateFile    string
	lifetime     time.Duration
	rotateBefore time.Duration
	description  string
	timeout      time.Duration
	verbose      bool
}

func credentialProcessFlags() (*flagSet, *credProcOptions) {
	fs := newFlagSet("credential-process",
		"iamkit credential-process --cloud nebius|yandex|outscale [flags]",
		`Prints, for the AWS credential_process setting, the JSON the AWS CLI and SDKs
read (Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration) for an
access key that it creates and rotates itself through the cloud's key API. The
key is kept in a state file (mode 0600) shared by every run for the same account
(by default one file per account, and for OUTSCALE per access key or login), so
that repeated and concurrent runs use one key; runs take turns on it. Near the
end of a key's lifetime a run creates the next key, switches to it and later
deletes the old one, after a grace period and not before the Expiration it was
handed out with.

Expiration is always more than 15 minutes ahead, since the AWS tools refresh
credentials 15 minutes before it, and never after the key stops working: when
the current key's credentials would change sooner, the run rotates at once.
So that rotations stay rare, --lifetime minus --rotate-before must be at least
37m10s: twice the 16-minute margin (the 15 minutes and a minute for the run)
plus the old key's switch delay and grace period (5m10s), which lets the old
key go before the new one is rotated in turn; at most two keys exist at once.

Without a key file the cloud's default chain finds the credentials (see
iamkit doctor). The secret goes to stdout only: this is what the format is for.
Errors go to stderr, once, naming the host and the cause; a run that fails
before storing anything leaves no file behind.`,
		`# ~/.aws/config
[profile nebius-s3]
credential_process = /home/me/go/bin/iamkit credential-process --cloud nebius --nebius-key-file /home/me/.nebius/sa.json --nebius-project-id project-e00example
region = eu-north1
endpoint_url = https://storage.eu-north1.nebius.cloud
request_checksum_calculation = when_required
response_checksum_validation = when_required

# aws-cli < 2.13 (Debian 12's 2.9) ignores endpoint_url: pass it on every command
aws --profile nebius-s3 --endpoint-url https://storage.eu-north1.nebius.cloud s3 ls

iamkit credential-process --cloud yandex                          # yc's profile, YC_SERVICE_ACCOUNT_KEY_FILE, the VM…
iamkit credential-process --cloud outscale --outscale-profile default
iamkit credential-process --cloud yandex --yandex-endpoint 127.0.0.1:18406 --yandex-key-file key.json   # iamkit emulator`)
	o := &credProcOptions{}
	o.register(fs, true, iam.Nebius, iam.Yandex, iam.Outscale)
	fs.StringVar(&o.stateFile, "state-file", "", "state file keeping the key between runs (default <user cache dir>/iamkit/credential-process/<cloud>-<account hash>/state.json)")
	fs.DurationVar(&o.lifetime, "lifetime", 24*time.Hour, "lifetime of each key")
	fs.DurationVar(&o.rotateBefore, "rotate-before", 0, "create the next key this long before the end of the lifetime (default lifetime/4; at least 5m10s, the switch delay and grace period of the old key; --lifetime minus --rotate-before at least 37m10s)")
	fs.StringVar(&o.description, "description", "iamkit-credential-process", "the mark of the keys the helper manages; keys without it are never touched")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit for the run")
	fs.BoolVar(&o.verbose, "v", false, "describe the rotation on stderr (never a secret)")
	return fs, o
}

func runCredentialProcess(ctx context.Context, io *stdio, args []string) error {
	fs, o := credentialProcessFlags()
	if err := fs.parse(io, args); err != nil {
		return err
	}
	cloud, err := o.chosen(iam.Nebius, iam.Yandex, iam.Outscale)
	if err != nil {
		return err
	}
	pol, err := o.policy()
	if err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout %v: must be positive", o.timeout)
	}
	o.cloudFlags.timeout = o.timeout
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	s, err := o.open(ctx, io, cloud, wantKeys)
	if err != nil {
		return err
	}
	defer s.close()
	stateFile := o.stateFile
	if stateFile == "" {
		if stateFile, err = defaultStateFile(s, pol.Description); err != nil {
			return err
		}
	}
	dir, err := lockStateDir(ctx, filepath.Dir(stateFile))
	if err != nil {
		return fmt.Errorf("state file %s: %w", stateFile, err)
	}
	failed := true
	defer func() { dir.release(failed, stateFile) }()

	log := slog.New(slog.DiscardHandler)
	if o.verbose {
		log = slog.New(slog.NewTextHandler(io.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	out, err := managedCredentials(ctx, s, stateFile, pol, log, io.stderr)
	if err != nil {
		return err
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(io.stdout, "%s\n", data); err != nil {
		return err
	}
	failed = false
	return nil
}

// The switch delay and grace period of the helper's policy: a new key is
// used after switchDelay (the clouds' keys take a moment to work
// everywhere), and the old one stays active grace after the switch.
const (
	switchDelay = 10 * time.Second
	grace       = 5 * time.Minute
)

// minKeyLife is the least --lifetime minus --rotate-before: how long a new
// key is handed out before it is due to change. A run rotates when the
// current key changes within minAhead (botocore's 15-minute advisory
// refresh and a minute for the run), and such a rotation may come as early
// as minAhead before the old key's switch; the old key then lives on
// switchDelay + grace past its switch. With a key life of at least
// 2·minAhead + switchDelay + grace (37m10s) the old key is gone before the
// new one is itself rotated, so a rotation happens at most once per key
// life minus minAhead, and no more than two keys (the old and the new)
// exist at a time. Anything shorter makes runs create keys almost every
// time, and old keys pile up.
const minKeyLife = 2*minAhead + switchDelay + grace

// policy checks the rotation flags, in terms of the flags: the effective
// values, and the least usable ones.
func (o *credProcOptions) policy() (iamcreds.Policy, error) {
	pol := iamcreds.Policy{Lifetime: o.lifetime, RotateBefore: o.rotateBefore, SwitchDelay: switchDelay, Grace: grace, Description: o.description}
	if o.lifetime <= 0 {
		return pol, usageErrorf("--lifetime %v: must be positive (at least %v)", o.lifetime, minKeyLife+switchDelay+grace)
	}
	if o.rotateBefore < 0 {
		return pol, usageErrorf("--rotate-before %v: must not be negative", o.rotateBefore)
	}
	rb, how := o.rotateBefore, fmt.Sprintf("--rotate-before %v", o.rotateBefore)
	if rb == 0 {
		rb = o.lifetime / 4
		how = fmt.Sprintf("the default --rotate-before is --lifetime/4 = %v", rb)
	}
	switch {
	case rb >= o.lifetime:
		return pol, usageErrorf("--rotate-before %v must be shorter than --lifetime %v (by at least %v)", rb, o.lifetime, minKeyLife)
	case rb < switchDelay+grace:
		return pol, usageErrorf("--rotate-before must be at least %v (the switch delay and grace period of the old key); with --lifetime %v, %s: give --rotate-before %v or more, and a --lifetime at least %v longer",
			switchDelay+grace, o.lifetime, how, switchDelay+grace, minKeyLife)
	case o.lifetime-rb < minKeyLife:
		return pol, usageErrorf("--lifetime %v minus --rotate-before %v leaves %v for each key, and it must be at least %v: the AWS tools ask for new credentials 15 minutes before their Expiration, and a shorter key life makes almost every run create a key (raise --lifetime or lower --rotate-before)",
			o.lifetime, rb, o.lifetime-rb, minKeyLife)
	}
	if err := pol.Validate(); err != nil {
		// What is left to the library's check is the description.
		msg := strings.TrimPrefix(err.Error(), "credentials: Policy.")
		msg = strings.TrimPrefix(msg, "Description ")
		return pol, usageErrorf("--description %q: %s", o.description, msg)
	}
	return pol, nil
}

// defaultStateFile is the state file of the session's account: one
// directory per account and key mark, under the user cache directory.
func defaultStateFile(s *session, description string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", usageErrorf("no --state-file given and no user cache directory: %v", err)
	}
	sum := sha256.Sum256([]byte(s.account + "\x00" + description))
	return filepath.Join(cache, "iamkit", "credential-process", string(s.cloud)+"-"+hex.EncodeToString(sum[:8]), "state.json"), nil
}

// managedCredentials gets the key through a managed provider on the state
// file, lets it finish what is due, and returns the credential_process
// output, its Expiration more than minAhead away.
func managedCredentials(ctx context.Context, s *session, stateFile string, pol iamcreds.Policy, log *slog.Logger, stderr io.Writer) (credentialOutput, error) {
	p, err := iamcreds.NewManagedProvider(s.km, func(mo *iamcreds.ManagedOptions) {
		mo.Policy, mo.StateFile, mo.Logger = pol, stateFile, log
	})
	if err != nil {
		return credentialOutput{}, usageErrorf("%v", err)
	}
	defer func() {
		// Bounded on its own: the run's context may be over already.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Shutdown(sctx)
	}()
	c, err := p.Retrieve(ctx)
	if err != nil {
		return credentialOutput{}, s.hostError("getting an access key", err)
	}
	// What is due now (a switch, retiring old keys) is done before the
	// process exits; the credentials are read again after it.
	if err := p.Settle(ctx); err == nil {
		if c2, err := p.Retrieve(ctx); err == nil {
			c = c2
		}
	}
	if c.CanExpire && time.Until(c.Expires) <= minAhead {
		// The credentials change sooner than the AWS tools would come
		// back for new ones: rotate now, so that the key handed out lives
		// on past its Expiration.
		if err := p.Rotate(ctx); err != nil {
			fmt.Fprintf(stderr, "iamkit credential-process: warning: %v; printing the current key %s with Expiration %s, when the AWS tools ask again\n",
				s.hostError("rotating the key", err), c.AccessKeyID, c.Expires.UTC().Format(time.RFC3339))
		} else if c, err = p.Retrieve(ctx); err != nil {
			return credentialOutput{}, s.hostError("getting the new access key", err)
		} else if time.Until(c.Expires) <= minAhead {
			return credentialOutput{}, fmt.Errorf("%s: the new key %s is due to change at %s, less than %v from now: the cloud gave it a shorter life than --lifetime",
				s.cloud, c.AccessKeyID, c.Expires.UTC().Format(time.RFC3339), minAhead)
		}
	}
	out := credentialOutput{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		out.Expiration = c.Expires.UTC().Format(time.RFC3339)
	}
	return out, nil
}
