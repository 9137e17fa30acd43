// Command iamkit-etcd-migrate copies the keys of a managed provider's state
// file into an etcd fleet (etcdstore.MigrateStateFile), in one command:
//
//	iamkit-etcd-migrate -state /var/lib/app/s3-key.json \
//	    -endpoints https://etcd-1:2379,https://etcd-2:2379 \
//	    -cacert ca.pem -cert client.pem -key client-key.pem \
//	    -sealing-key-file sealing.key -sealing-key-id 2026-01
//
// Stop the processes that use the state file first. The sealing key file
// holds the 32-byte AES-256 key as 64 hex digits (or raw bytes). The fleet
// must be empty; nothing is created or deleted in the cloud. The state
// file is read under its lock and, once the fleet holds its keys, marked
// migrated: a process that starts on it later refuses to serve from it,
// and says where the keys went.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/credentials/etcdstore"
	"github.com/iamkit/iamkit/iam"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "iamkit-etcd-migrate:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("iamkit-etcd-migrate", flag.ContinueOnError)
	state := fs.String("state", "", "the state file to copy (required)")
	endpoints := fs.String("endpoints", "", "comma-separated etcd endpoints (required)")
	prefix := fs.String("prefix", "iamkit/", "root of iamkit's keys in etcd (etcdstore.Options.Prefix)")
	account := fs.String("account", "", "the KeyManager's AccountIdentity, if the state file records none")
	keyFile := fs.String("sealing-key-file", "", "file with the 32-byte AES-256 sealing key, as 64 hex digits or raw (required)")
	keyID := fs.String("sealing-key-id", "", "the sealing key's ID (required)")
	cacert := fs.String("cacert", "", "CA certificate (PEM) for https endpoints")
	cert := fs.String("cert", "", "client certificate (PEM)")
	key := fs.String("key", "", "client key (PEM)")
	user := fs.String("user", "", "etcd user name")
	passFile := fs.String("password-file", "", "file with the etcd user's password")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole migration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" || *endpoints == "" || *keyFile == "" || *keyID == "" {
		return errors.New("-state, -endpoints, -sealing-key-file and -sealing-key-id are required")
	}
	sk, err := readSealingKey(*keyFile, *keyID)
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if *cacert != "" || *cert != "" {
		if tlsConf, err = loadTLS(*cacert, *cert, *key); err != nil {
			return err
		}
	}
	var pass iam.Secret
	if *passFile != "" {
		b, err := os.ReadFile(*passFile)
		if err != nil {
			return fmt.Errorf("-password-file: %w", err)
		}
		pass = iam.NewSecret(strings.TrimRight(string(b), "\r\n"))
	}
	store, err := etcdstore.New(func(o *etcdstore.Options) {
		o.Endpoints = strings.Split(*endpoints, ",")
		o.Prefix, o.TLS, o.Username, o.Password = *prefix, tlsConf, *user, pass
		o.SealingKeys = []etcdstore.SealingKey{sk}
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := etcdstore.MigrateStateFile(ctx, *state, store, *account)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %d keys (current %s, instance %s) to %s\n", res.Keys, res.Current, res.Instance, res.Prefix)
	fmt.Fprintf(out, "%s is marked migrated (a process on it refuses to serve); start the replicas on the fleet, then remove it\n", *state)
	return nil
}

// readSealingKey reads a 32-byte key, as 64 hex digits or raw.
func readSealingKey(path, id string) (etcdstore.SealingKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return etcdstore.SealingKey{}, fmt.Errorf("-sealing-key-file: %w", err)
	}
	if t := strings.TrimSpace(string(b)); len(t) == 64 {
		if raw, err := hex.DecodeString(t); err == nil {
			b = raw
		}
	}
	k, err := etcdstore.NewSealingKey(id, b)
	if err != nil {
		return etcdstore.SealingKey{}, fmt.Errorf("-sealing-key-file %s: %w", path, err)
	}
	return k, nil
}

func loadTLS(cacert, cert, key string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if cacert != "" {
		pem, err := os.ReadFile(cacert)
		if err != nil {
			return nil, fmt.Errorf("-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-cacert %s: no PEM certificate in it", cacert)
		}
		c.RootCAs = pool
	}
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("-cert/-key: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}
