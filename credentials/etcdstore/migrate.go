package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	iamcreds "github.com/iamkit/iamkit/credentials"
)

// MigrateResult says what [MigrateStateFile] copied.
type MigrateResult struct {
	// Prefix is the fleet's key prefix in etcd.
	Prefix string
	// Keys counts the keys copied (current, next, retiring); Current is
	// the access key ID of the current one ("" none).
	Keys    int
	Current string
	// Instance is the instance the fleet keeps (the file's).
	Instance string
}

// MigrateStateFile copies the keys of the state file at path (as
// ManagedOptions.StateFile keeps them) into the fleet of s, with their
// roles, the Expirations handed out, the creates under way and the file's
// instance, so that the fleet's rotator rotates them on: nothing is
// created or deleted. The fleet is the file's account and mark; account,
// when not empty, replaces the file's (a file of a version that did not
// record it, or of a Yandex client without ServiceAccountID). It refuses
// a fleet that holds a state already: it never overwrites one. The
// secrets are sealed as the store seals them. The store must not be open
// (give the replicas their own stores).
//
// Stop the processes that use the file first: the migration copies what
// the file holds at one moment, and a process still running on it would
// rotate on its own. The file is read under its lock (the migration
// waits, until ctx ends, for a provider in the middle of a step) and,
// once the fleet holds the keys, marked migrated to the fleet
// (iamcreds.FileStore.MigrateTo): a process that starts on the file
// later refuses to serve from it, with an error that names the file and
// the fleet (matching iamcreds.ErrStateFileMigrated). Remove the file
// once the replicas run on the fleet.
func MigrateStateFile(ctx context.Context, path string, s *Store, account string) (MigrateResult, error) {
	s.mu.Lock()
	opened := s.opened
	s.mu.Unlock()
	if opened {
		return MigrateResult{}, errors.New("etcdstore: migrating: the store is open (use a store of its own)")
	}
	var res MigrateResult
	err := iamcreds.NewFileStore(path).MigrateTo(ctx, func(ctx context.Context, st *iamcreds.StoredState) (string, error) {
		var err error
		res, err = s.migrate(ctx, path, st, account)
		return s.String(), err
	})
	if err != nil && !errors.Is(err, iamcreds.ErrStateFileMigrated) && !strings.HasPrefix(err.Error(), "etcdstore:") {
		err = fmt.Errorf("etcdstore: %w", err)
	}
	return res, err
}

// migrate writes st, read from the state file at path, as the fleet's
// state, if the fleet holds none.
func (s *Store) migrate(ctx context.Context, path string, st *iamcreds.StoredState, account string) (MigrateResult, error) {
	if account != "" {
		st.Account = account
	}
	if st.Account == "" {
		return MigrateResult{}, fmt.Errorf("etcdstore: migrating: state file %s records no account identity; pass the KeyManager's AccountIdentity", path)
	}
	for i := range st.Keys {
		if st.Keys[i].Key.Description == "" {
			st.Keys[i].Key.Description = st.Description // a version 1 file: the bare mark
		}
	}
	s.mu.Lock()
	s.prefix = Prefix(s.opts.Prefix, iamcreds.StoreScope{Account: st.Account, Description: st.Description})
	s.mu.Unlock()
	if err := s.connect(); err != nil {
		return MigrateResult{}, err
	}
	if s.ownClient {
		defer s.cli.Close()
	}
	val, err := encodeState(s.sealer, s.prefix, st)
	if err != nil {
		return MigrateResult{}, err
	}
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.cli.Txn(cctx).If(clientv3.Compare(clientv3.CreateRevision(s.stateKey()), "=", 0)).
		Then(clientv3.OpPut(s.stateKey(), string(val))).Commit()
	if err != nil {
		return MigrateResult{}, fmt.Errorf("etcdstore: migrating to %s: %w", s.stateKey(), err)
	}
	if !resp.Succeeded {
		return MigrateResult{}, fmt.Errorf("etcdstore: migrating: the fleet under %s holds a state already; it is never overwritten", s.prefix)
	}
	res := MigrateResult{Prefix: s.prefix, Keys: len(st.Keys), Instance: st.Instance}
	for _, k := range st.Keys {
		if k.Role == iamcreds.RoleCurrent {
			res.Current = k.Key.AccessKeyID
		}
	}
	return res, nil
}
