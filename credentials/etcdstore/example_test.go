package etcdstore_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/etcdstore"
	"github.com/iamkit/iamkit/iam"
)

// A replica of a fleet: its managed provider keeps the fleet's key in
// etcd (over TLS, with etcd's authentication), sealed with a key from the
// secret manager. Every replica runs the same code; one of them rotates.
// (The runnable version, on an embedded etcd, is Example_fleet in the
// e2e module.)
func ExampleNew() {
	var km iam.KeyManager // nebius.NewKeyManager, yandex AccessKeys, outscale.NewKeyManager
	var tlsConfig *tls.Config
	sealing, err := etcdstore.NewSealingKey("2026-01", []byte(os.Getenv("SEALING_KEY_32_BYTES")))
	if err != nil {
		panic(err)
	}
	store, err := etcdstore.New(func(o *etcdstore.Options) {
		o.Endpoints = []string{"https://etcd-1:2379", "https://etcd-2:2379", "https://etcd-3:2379"}
		o.TLS = tlsConfig
		o.Username, o.Password = "iamkit", iam.NewSecret(os.Getenv("ETCD_PASSWORD"))
		o.SealingKeys = []etcdstore.SealingKey{sealing}
	})
	if err != nil {
		panic(err)
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy = iamcreds.Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour}
		o.Store = store
	})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	st := p.Status()
	fmt.Println(st.Replica, "serves", st.Serving, "; rotator:", st.Rotator)
}

// Copy a state file's keys into an empty fleet (the command
// iamkit-etcd-migrate does the same from the shell).
func ExampleMigrateStateFile() {
	sealing, err := etcdstore.NewSealingKey("2026-01", []byte(os.Getenv("SEALING_KEY_32_BYTES")))
	if err != nil {
		panic(err)
	}
	store, err := etcdstore.New(func(o *etcdstore.Options) {
		o.Endpoints = []string{"https://etcd-1:2379"}
		o.SealingKeys = []etcdstore.SealingKey{sealing}
	})
	if err != nil {
		panic(err)
	}
	res, err := etcdstore.MigrateStateFile(context.Background(), "/var/lib/app/s3-key.json", store, "")
	if err != nil {
		panic(err)
	}
	fmt.Println("copied", res.Keys, "keys to", res.Prefix)
}
