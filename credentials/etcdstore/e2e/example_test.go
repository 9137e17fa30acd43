package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/etcdstore"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// Three replicas of one service share one rotating key through etcd (here
// an embedded one-member etcd and the Nebius emulator): one replica is
// elected rotator and creates the key; the others serve it.
func Example_fleet() {
	dir, _ := os.MkdirTemp("", "iamkit-fleet-example")
	defer os.RemoveAll(dir)
	etcd, endpoint := startEtcd(dir)
	defer etcd.Close()

	srv, _ := nebiustest.New()
	defer srv.Close()
	sa, _ := srv.NewServiceAccount("")
	client, _ := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)}),
		srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	defer client.Close()
	km, _ := nebius.NewKeyManager(client, nebius.ServiceAccount(sa.ID))

	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	sealing, _ := etcdstore.NewSealingKey("example", raw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := map[string]bool{}
	for i := range 3 {
		store, err := etcdstore.New(func(o *etcdstore.Options) {
			o.Endpoints, o.Replica = []string{endpoint}, fmt.Sprintf("web-%d", i)
			o.SealingKeys = []etcdstore.SealingKey{sealing}
			o.LeaseTTL = 2 * time.Second
		})
		if err != nil {
			panic(err)
		}
		p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
			o.Policy = iamcreds.Policy{Lifetime: time.Hour, RotateBefore: 10 * time.Minute, Description: "example-fleet"}
			o.Store = store
		})
		if err != nil {
			panic(err)
		}
		defer p.Close()
		c, err := p.Retrieve(ctx)
		if err != nil {
			panic(err)
		}
		keys[c.AccessKeyID] = true
	}
	fmt.Println("replicas: 3, keys served:", len(keys))
	// Output:
	// replicas: 3, keys served: 1
}

// startEtcd starts a one-member etcd on a loopback port.
func startEtcd(dir string) (*embed.Etcd, string) {
	port := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cu, pu := url.URL{Scheme: "http", Host: port()}, url.URL{Scheme: "http", Host: port()}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		panic(err)
	}
	<-e.Server.ReadyNotify()
	return e, cu.String()
}
