package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/etcdstore"
)

// TestFleetCloudCallsDoNotGrowWithReplicas runs fleets of 1, 5 and 20
// replicas (one etcd cluster, one cloud account each) through the same
// rotations and counts the cloud API calls the fleet makes per rotation
// and the most fleet keys that exist at once: only the rotator calls the
// cloud, so neither grows with the number of replicas.
func TestFleetCloudCallsDoNotGrowWithReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("half a minute of real time")
	}
	cl := newCluster(t, 3)
	pol := fleetPolicy
	pol.Lifetime, pol.RotateBefore, pol.SwitchDelay, pol.Grace = 6*time.Second*slow, 3*time.Second*slow, 200*time.Millisecond*slow, 500*time.Millisecond*slow
	const rotations = 2
	type row struct {
		replicas, rotations                 int
		create, update, del, list, get, sum int
		maxKeys                             int
		perRotation                         float64
	}
	var rows []row
	for _, n := range []int{1, 5, 20} {
		c := newCloud(t)
		f := newFleet(t, cl, c)
		f.pol = pol
		for range n {
			f.add(false)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute*slow)
		for _, r := range f.live() {
			if _, err := r.p.Retrieve(ctx); err != nil {
				t.Fatalf("%d replicas: %s: %v", n, r.name, err)
			}
		}
		admin := cl.client()
		first := mustRotations(ctx, t, admin, c)
		calls0 := c.callCounts()
		c.mu.Lock()
		c.maxExisting, c.maxAlive = 0, 0
		c.mu.Unlock()
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		c.watchExisting(wctx, &wg)
		eventually(t, 30*time.Second, fmt.Sprintf("%d rotations of %d replicas", rotations, n), func() bool {
			return mustRotations(ctx, t, admin, c) >= first+rotations && retired(ctx, c)
		})
		stop()
		wg.Wait()
		calls := c.callCounts()
		got := mustRotations(ctx, t, admin, c) - first
		d := func(m string) int { return calls[m] - calls0[m] }
		rw := row{replicas: n, rotations: got, create: d("CreateKey"), update: d("UpdateKey"), del: d("DeleteKey"), list: d("ListKeys"), get: d("GetKey")}
		rw.sum = rw.create + rw.update + rw.del + rw.list + rw.get
		rw.perRotation = float64(rw.sum) / float64(got)
		c.mu.Lock()
		rw.maxKeys = c.maxExisting
		c.mu.Unlock()
		rows = append(rows, rw)
		f.close()
		cancel()
	}
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "| replicas | rotations | CreateKey | UpdateKey | DeleteKey | ListKeys | GetKey | cloud calls per rotation | most fleet keys at once |\n")
	fmt.Fprintf(&tbl, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		fmt.Fprintf(&tbl, "| %d | %d | %d | %d | %d | %d | %d | %.1f | %d |\n", r.replicas, r.rotations, r.create, r.update, r.del, r.list, r.get, r.perRotation, r.maxKeys)
	}
	t.Logf("cloud API calls per rotation by fleet size:\n%s", tbl.String())
	base := rows[0]
	for _, r := range rows[1:] {
		if r.perRotation > base.perRotation {
			t.Errorf("%d replicas make %.1f cloud calls per rotation, 1 replica %.1f", r.replicas, r.perRotation, base.perRotation)
		}
		if r.maxKeys > base.maxKeys || r.maxKeys > pol.MaxKeys {
			t.Errorf("%d replicas: %d fleet keys at once (1 replica: %d, MaxKeys %d)", r.replicas, r.maxKeys, base.maxKeys, pol.MaxKeys)
		}
	}
}

// mustRotations reads the fleet's rotation count from etcd.
func mustRotations(ctx context.Context, t *testing.T, cli *clientv3.Client, c *cloud) int {
	t.Helper()
	st, err := readStateOf(ctx, cli, c)
	if err != nil {
		t.Fatal(err)
	}
	return st.Rotations
}

// retired reports whether only the current key of the fleet exists (the
// last rotation's old key is gone), so that a window ends on a whole
// rotation.
func retired(ctx context.Context, c *cloud) bool {
	existing, _, err := c.fleetKeys(ctx)
	return err == nil && len(existing) == 1
}

// readStateOf reads the state of c's fleet (its account, the policy's
// mark) from etcd, without its secrets.
func readStateOf(ctx context.Context, cli *clientv3.Client, c *cloud) (iamcreds.StoredState, error) {
	key := etcdstore.Prefix("iamkit/", iamcreds.StoreScope{Account: c.admin.AccountIdentity(), Description: fleetPolicy.Description}) + "state"
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) == 0 {
		return iamcreds.StoredState{}, err
	}
	return decodePlain(resp.Kvs[0].Value)
}
