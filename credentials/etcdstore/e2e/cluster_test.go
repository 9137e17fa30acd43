package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// cluster is an embedded etcd cluster of in-process members on loopback
// ports; members can be stopped and started again on the same ports and
// data.
type cluster struct {
	t       *testing.T
	members []*member
	initial string
}

type member struct {
	name               string
	dir                string
	clientURL, peerURL url.URL
	mu                 sync.Mutex
	etcd               *embed.Etcd // nil while stopped
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newCluster starts n members and waits for them to serve.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{t: t}
	dir := t.TempDir()
	var initial []string
	for i := range n {
		m := &member{name: fmt.Sprintf("m%d", i), dir: filepath.Join(dir, fmt.Sprintf("m%d", i))}
		m.clientURL = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
		m.peerURL = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
		initial = append(initial, m.name+"="+m.peerURL.String())
		c.members = append(c.members, m)
	}
	c.initial = strings.Join(initial, ",")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, m := range c.members {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.start(m, embed.ClusterStateFlagNew) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, m := range c.members {
			c.stop(m)
		}
	})
	return c
}

func (c *cluster) start(m *member, state string) error {
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = m.name, m.dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{m.clientURL}, []url.URL{m.clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{m.peerURL}, []url.URL{m.peerURL}
	cfg.InitialCluster, cfg.InitialClusterToken, cfg.ClusterState = c.initial, "iamkit-e2e", state
	cfg.TickMs, cfg.ElectionMs = 50, 500
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.ListenMetricsUrls = nil
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("starting etcd member %s: %w", m.name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return fmt.Errorf("etcd member %s did not get ready in 30s", m.name)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
	return nil
}

// stop stops a member (a crash of its process: its data stays).
func (c *cluster) stop(m *member) {
	m.mu.Lock()
	e := m.etcd
	m.etcd = nil
	m.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// restart starts a stopped member again, on its ports and data.
func (c *cluster) restart(m *member) {
	c.t.Helper()
	if err := c.start(m, embed.ClusterStateFlagExisting); err != nil {
		c.t.Fatal(err)
	}
}

// leader returns the member that leads the raft group (nil if none).
func (c *cluster) leader() *member {
	for _, m := range c.members {
		m.mu.Lock()
		e := m.etcd
		m.mu.Unlock()
		if e != nil && e.Server.Leader() == e.Server.MemberID() && e.Server.Leader() != 0 {
			return m
		}
	}
	return nil
}

// follower returns a running member that does not lead.
func (c *cluster) follower() *member {
	l := c.leader()
	for _, m := range c.members {
		m.mu.Lock()
		up := m.etcd != nil
		m.mu.Unlock()
		if up && m != l {
			return m
		}
	}
	return nil
}

// endpoints are the members' client URLs.
func (c *cluster) endpoints() []string {
	var out []string
	for _, m := range c.members {
		out = append(out, m.clientURL.String())
	}
	return out
}

// client returns a client to every member (for the test's own reads).
func (c *cluster) client() *clientv3.Client {
	c.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cli.Close() })
	return cli
}

// waitLeader waits (bounded, in real time) until a member leads.
func (c *cluster) waitLeader() *member {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if l := c.leader(); l != nil {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("no etcd leader after 20s")
	return nil
}

// dataFiles lists every file of the members' data directories.
func (c *cluster) dataFiles() []string {
	var out []string
	for _, m := range c.members {
		_ = filepath.Walk(m.dir, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				out = append(out, path)
			}
			return nil
		})
	}
	return out
}

// allKV reads every key and value in etcd.
func allKV(ctx context.Context, cli *clientv3.Client) (map[string]string, error) {
	resp, err := cli.Get(ctx, "\x00", clientv3.WithFromKey())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = string(kv.Value)
	}
	return out, nil
}
