package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

type keysOptions struct {
	cloudFlags
	output      string
	key         string
	description string
	expiresIn   time.Duration
	showSecret  bool
	retire      bool
	grace       time.Duration
	timeout     time.Duration
}

func keysFlags() (*flagSet, *keysOptions) {
	fs := newFlagSet("keys",
		`iamkit keys list   --cloud C [-o table|json]
iamkit keys create --cloud C --show-secret [--description D] [--expires-in 720h] [-o table|json]
iamkit keys rotate --cloud C --key ID --show-secret [--retire [--grace 5m]] [-o table|json]
iamkit keys delete --cloud C --key ID`,
		`Lists, creates, rotates and deletes the access keys (S3 keys) of an account of
any of the three clouds, through one interface (the clouds' KeyManagers): Nebius
access keys of a service account, Yandex Cloud static access keys of a service
account, OUTSCALE access keys of the caller or of an EIM user. --key takes a key's
ID or its access key ID.

A new key's secret is shown once, when it is created, and only when asked: create
and rotate need --show-secret, and print the secret once, on stdout (list never
shows one). rotate creates a key like the old one (its description, and its
lifetime unless --expires-in says otherwise) and prints it; the old key stays
until you ask: with --retire it is deactivated and deleted after --grace, the
time for programs to switch to the new key (Ctrl-C during the wait keeps it).
Keys of iamkit credential-process (and other managed providers: their
description is a mark, <family>.<instance>.<expiry>.<nonce>) are not rotated
here, and no key is created with such a description: the provider would take
the copy for its own and may delete it.`,
		`iamkit keys list --cloud nebius
iamkit keys create --cloud outscale --show-secret --expires-in 720h -o json > key.json
iamkit keys rotate --cloud yandex --key aje1example --show-secret --retire --grace 10m
iamkit keys delete --cloud nebius --key accesskey-e00example`)
	o := &keysOptions{}
	o.register(fs, true, iam.Nebius, iam.Yandex, iam.Outscale)
	fs.StringVar(&o.output, "output", "table", "output format: table or json")
	fs.StringVar(&o.output, "o", "table", "shorthand for --output")
	fs.StringVar(&o.key, "key", "", "rotate, delete: the key (its ID or access key ID)")
	fs.StringVar(&o.description, "description", "", "create, rotate: the new key's description (OUTSCALE: tag); rotate: default the old key's")
	fs.DurationVar(&o.expiresIn, "expires-in", 0, "create, rotate: the new key expires this long from now (Nebius, OUTSCALE; default none, or for rotate the old key's lifetime)")
	fs.BoolVar(&o.showSecret, "show-secret", false, "create, rotate: print the new key's secret on stdout (required: it is shown only once)")
	fs.BoolVar(&o.retire, "retire", false, "rotate: deactivate and delete the old key after --grace")
	fs.DurationVar(&o.grace, "grace", 5*time.Minute, "rotate --retire: how long the old key keeps working after the new one is printed")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "time limit for each call to the cloud")
	return fs, o
}

func runKeys(ctx context.Context, io *stdio, args []string) error {
	fs, o := keysFlags()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := fs.parse(io, args); err != nil {
			return err
		}
		return usageErrorf("give an action: list, create, rotate or delete")
	}
	action, args := args[0], args[1:]
	if err := fs.parse(io, args); err != nil {
		return err
	}
	switch action {
	case "list", "create", "rotate", "delete":
	default:
		return usageErrorf("unknown action %q: want list, create, rotate or delete", action)
	}
	cloud, err := o.chosen(iam.Nebius, iam.Yandex, iam.Outscale)
	if err != nil {
		return err
	}
	if o.output != "table" && o.output != "json" {
		return usageErrorf("--output %q: want table or json", o.output)
	}
	needKey := action == "rotate" || action == "delete"
	switch {
	case needKey && o.key == "":
		return usageErrorf("keys %s needs --key (the key's ID or access key ID)", action)
	case !needKey && o.key != "":
		return usageErrorf("keys %s takes no --key", action)
	case (action == "create" || action == "rotate") && !o.showSecret:
		return usageErrorf("keys %s: the new key's secret is shown only once, when it is created: give --show-secret to print it on stdout", action)
	case action != "create" && action != "rotate" && (o.showSecret || o.expiresIn != 0 || o.description != ""):
		return usageErrorf("keys %s takes no --show-secret, --expires-in or --description", action)
	case action != "rotate" && o.retire:
		return usageErrorf("--retire is for keys rotate")
	case o.expiresIn < 0 || o.grace < 0 || o.timeout <= 0:
		return usageErrorf("--expires-in and --grace must not be negative, --timeout must be positive")
	}

	o.cloudFlags.timeout = o.timeout
	if looksManaged(o.description) {
		return usageErrorf("--description %q is a managed key's mark (<family>.<instance>.<expiry>.<nonce>): iamkit credential-process and the managed providers would take the key for theirs and may delete it; give another description", o.description)
	}
	s, err := o.open(ctx, io, cloud, wantKeys)
	if err != nil {
		return err
	}
	defer s.close()
	call := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, o.timeout) }

	switch action {
	case "list":
		cctx, cancel := call()
		keys, err := s.km.ListKeys(cctx)
		cancel()
		if err != nil {
			return s.hostError("listing access keys", err)
		}
		return printKeys(io.stdout, o.output, keys)
	case "create":
		req := iam.CreateKeyRequest{Description: o.description}
		if o.expiresIn > 0 {
			req.ExpiresAt = time.Now().Add(o.expiresIn)
		}
		cctx, cancel := call()
		k, err := s.km.CreateKey(cctx, req)
		cancel()
		if err != nil {
			return s.hostError("creating an access key", err)
		}
		return printNewKey(io.stdout, o.output, k)
	case "delete":
		old, err := findKey(ctx, o.timeout, s, o.key)
		if err != nil {
			return err
		}
		if err := deleteKey(ctx, o.timeout, s, old); err != nil {
			return err
		}
		if o.output == "json" {
			return json.NewEncoder(io.stdout).Encode(map[string]string{"deleted": old.ID, "access_key_id": old.AccessKeyID})
		}
		_, err = fmt.Fprintf(io.stdout, "deleted %s (access key %s)\n", old.ID, old.AccessKeyID)
		return err
	}

	// rotate
	old, err := findKey(ctx, o.timeout, s, o.key)
	if err != nil {
		return err
	}
	if looksManaged(old.Description) {
		// A copy of the mark would look like a key of the managed
		// provider's own, which may delete it while the user relies on
		// it; and the provider rotates its keys itself.
		return usageErrorf("key %s (description %q) is managed by iamkit credential-process or another managed provider, which creates, rotates and deletes its keys itself: rotate it there (it rotates near the end of --lifetime), or create a key of your own with iamkit keys create", old.ID, old.Description)
	}
	req := iam.CreateKeyRequest{Description: o.description}
	if req.Description == "" {
		req.Description = old.Description
	}
	switch {
	case o.expiresIn > 0:
		req.ExpiresAt = time.Now().Add(o.expiresIn)
	case !old.ExpiresAt.IsZero() && !old.CreatedAt.IsZero() && old.ExpiresAt.After(old.CreatedAt):
		req.ExpiresAt = time.Now().Add(old.ExpiresAt.Sub(old.CreatedAt))
	}
	cctx, cancel := call()
	k, err := s.km.CreateKey(cctx, req)
	cancel()
	if err != nil {
		return s.hostError("creating the new access key", err)
	}
	// Printed at once: an interrupted wait below must not lose it.
	if err := printNewKey(io.stdout, o.output, k); err != nil {
		return err
	}
	if !o.retire {
		fmt.Fprintf(io.stderr, "iamkit keys rotate: the old key %s stays active; retire it with: iamkit keys delete --cloud %s --key %s\n", old.ID, cloud, old.ID)
		return nil
	}
	if o.grace > 0 {
		fmt.Fprintf(io.stderr, "iamkit keys rotate: the old key %s keeps working for %v, then it is deactivated and deleted (Ctrl-C keeps it)\n", old.ID, o.grace)
		t := time.NewTimer(o.grace)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("the old key %s was kept: %w", old.ID, ctx.Err())
		case <-t.C:
		}
	}
	if err := deleteKey(ctx, o.timeout, s, old); err != nil {
		return err
	}
	fmt.Fprintf(io.stderr, "iamkit keys rotate: the old key %s is deleted\n", old.ID)
	return nil
}

// looksManaged reports whether a key description is a managed provider's
// mark (iamcreds.HasMarkShape), or the bare mark of earlier versions with
// the default families (credential-process's and the library's).
func looksManaged(desc string) bool {
	switch desc {
	case "iamkit-credential-process", "iamkit-managed":
		return true
	}
	return iamcreds.HasMarkShape(desc)
}

// findKey finds a key by ID or access key ID.
func findKey(ctx context.Context, timeout time.Duration, s *session, id string) (iam.AccessKey, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	keys, err := s.km.ListKeys(cctx)
	if err != nil {
		return iam.AccessKey{}, s.hostError("listing access keys", err)
	}
	for _, k := range keys {
		if k.ID == id || k.AccessKeyID == id {
			return k, nil
		}
	}
	return iam.AccessKey{}, fmt.Errorf("%s: no access key %q in the account %s (it has %d; see iamkit keys list)", s.cloud, id, s.account, len(keys))
}

// deleteKey deactivates the key (where the cloud has states) and deletes
// it.
func deleteKey(ctx context.Context, timeout time.Duration, s *session, k iam.AccessKey) error {
	if k.State == iam.StateActive {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		_, err := s.km.UpdateKey(cctx, k.ID, iam.UpdateKeyRequest{State: iam.StateInactive})
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, iam.ErrNotFound):
			return s.hostError("deactivating "+k.ID, err)
		case errors.Is(err, iam.ErrInvalidArgument), errors.Is(err, iam.ErrFailedPrecondition):
			// Keys without states (Yandex static keys): deleted at once.
		default:
			return s.hostError("deactivating "+k.ID, err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.km.DeleteKey(cctx, k.ID); err != nil {
		return s.hostError("deleting "+k.ID, err)
	}
	return nil
}

// keyJSON is a key in the JSON output.
type keyJSON struct {
	Provider        iam.Provider `json:"provider"`
	ID              string       `json:"id"`
	AccessKeyID     string       `json:"access_key_id"`
	State           iam.State    `json:"state,omitempty"`
	Owner           string       `json:"owner,omitempty"`
	Description     string       `json:"description,omitempty"`
	CreatedAt       *time.Time   `json:"created_at,omitempty"`
	ExpiresAt       *time.Time   `json:"expires_at,omitempty"`
	SecretAccessKey string       `json:"secret_access_key,omitempty"`
	SessionToken    string       `json:"session_token,omitempty"`
}

func toJSON(k iam.AccessKey) keyJSON {
	j := keyJSON{Provider: k.Provider, ID: k.ID, AccessKeyID: k.AccessKeyID, State: k.State, Owner: k.Owner, Description: k.Description}
	if !k.CreatedAt.IsZero() {
		t := k.CreatedAt.UTC()
		j.CreatedAt = &t
	}
	if !k.ExpiresAt.IsZero() {
		t := k.ExpiresAt.UTC()
		j.ExpiresAt = &t
	}
	return j
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printKeys(w io.Writer, format string, keys []iam.AccessKey) error {
	if format == "json" {
		out := make([]keyJSON, 0, len(keys))
		for _, k := range keys {
			out = append(out, toJSON(k))
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCESS KEY ID\tSTATE\tCREATED\tEXPIRES\tDESCRIPTION")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.AccessKeyID, orDash(string(k.State)), stamp(k.CreatedAt), stamp(k.ExpiresAt), orDash(k.Description))
	}
	return tw.Flush()
}

// printNewKey prints a created key with its secret: the one place the
// secret is shown, once.
func printNewKey(w io.Writer, format string, k iam.AccessKey) error {
	if format == "json" {
		j := toJSON(k)
		j.SecretAccessKey, j.SessionToken = k.Secret.Reveal(), k.SessionToken.Reveal()
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	if err := printKeys(w, "table", []iam.AccessKey{k}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsecret access key: %s\n", k.Secret.Reveal())
	if !k.SessionToken.IsZero() {
		fmt.Fprintf(w, "session token:     %s\n", k.SessionToken.Reveal())
	}
	_, err := fmt.Fprintln(w, "(shown once: store it now; it cannot be read again)")
	return err
}
