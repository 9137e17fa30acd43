// Package e2e runs fleets of managed providers on an embedded etcd
// cluster (go.etcd.io/etcd/server/v3/embed, on loopback ports) against
// iamkit's cloud and S3 emulators: the etcd store's own tests, and the
// end-to-end test of a fleet through rotations, rotator crashes, etcd
// member failures and a replica cut off from etcd.
//
// It is a module of its own so that the etcd server stays out of the
// etcdstore module's go.mod. Run: cd credentials/etcdstore/e2e && go test ./...
//
// etcd's leases run on the server's real time, so these tests wait in
// real time, with every wait bounded.
package e2e
