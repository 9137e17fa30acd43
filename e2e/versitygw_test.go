package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"

	"github.com/iamkit/iamkit/iam"
)

const (
	gwRegion     = "eu-west-2"
	gwRootAccess = "E2EROOTACCESSKEY0001"
	gwRootSecret = "e2e-root-secret-0123456789abcdefghij"
)

// gateway is a running embedded versitygw.
type gateway struct {
	URL, AdminURL string
	stop          func()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startGateway runs versitygw in-process with a posix backend and the
// file-based IAM (so that users can be created through the admin API), on
// loopback ports only.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	be, err := posix.New(t.TempDir(), meta.XattrMeta{}, posix.PosixOpts{})
	if err != nil {
		t.Fatalf("posix backend: %v", err)
	}
	addr, admin := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- embedgw.RunVersityGW(ctx, be, &embedgw.Config{
			RootUserAccess: gwRootAccess, RootUserSecret: gwRootSecret, Region: gwRegion,
			Ports: []string{addr}, AdminPorts: []string{admin},
			MaxConnections: 200, MaxRequests: 200, AdminMaxConnections: 50, AdminMaxRequests: 50,
			MultipartMaxParts: 10000, Quiet: true,
			IAMDir: t.TempDir(), IAMCacheDisable: true,
		})
	}()
	g := &gateway{URL: "http://" + addr, AdminURL: "http://" + admin}
	g.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("versitygw: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("versitygw did not stop")
		}
	}
	// Ready when both ports answer (real time: a server is starting).
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range []string{addr, admin} {
		for {
			c, err := net.DialTimeout("tcp", a, 100*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-done:
				t.Fatalf("versitygw exited: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("versitygw did not listen on %s", a)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return g
}

// adminAccount is the XML body of versitygw's create-user admin call.
type adminAccount struct {
	XMLName xml.Name `xml:"Account"`
	Access  string   `xml:"Access"`
	Secret  string   `xml:"Secret"`
	Role    string   `xml:"Role"`
}

// admin calls versitygw's admin API (PATCH, signed with the root key).
func (g *gateway) admin(ctx context.Context, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, g.AdminURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.ContentLength = int64(len(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: gwRootAccess, SecretAccessKey: gwRootSecret}, req, hash, "s3", gwRegion, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("versitygw admin %s: %d %s", path, resp.StatusCode, b)
	}
	return nil
}

func (g *gateway) createUser(ctx context.Context, access, secret string) error {
	// Role admin: the keys of one managed provider follow one another, and
	// each must reach the buckets the previous one created.
	body, err := xml.Marshal(adminAccount{Access: access, Secret: secret, Role: "admin"})
	if err != nil {
		return err
	}
	return g.admin(ctx, "/create-user", body)
}

func (g *gateway) deleteUser(ctx context.Context, access string) error {
	return g.admin(ctx, "/delete-user?access="+access, nil)
}

// gatewayKeys is the provider's KeyManager with each key mirrored as a
// versitygw user: created with the key, removed when the key is
// deactivated or deleted (versitygw has no inactive users). It wraps the
// real client of an emulator; it is not a fake.
type gatewayKeys struct {
	iam.KeyManager
	gw *gateway

	mu    sync.Mutex
	users map[string]string // key ID → access key ID
	log   []string
}

func (k *gatewayKeys) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	key, err := k.KeyManager.CreateKey(ctx, req)
	if err != nil {
		return key, err
	}
	if err := k.gw.createUser(ctx, key.AccessKeyID, key.Secret.Reveal()); err != nil {
		_ = k.KeyManager.DeleteKey(ctx, key.ID)
		return iam.AccessKey{}, err
	}
	k.mu.Lock()
	k.users[key.ID] = key.AccessKeyID
	k.log = append(k.log, "create "+key.AccessKeyID)
	k.mu.Unlock()
	return key, nil
}

func (k *gatewayKeys) dropUser(ctx context.Context, id, why string) error {
	k.mu.Lock()
	access, ok := k.users[id]
	delete(k.users, id)
	if ok {
		k.log = append(k.log, why+" "+access)
	}
	k.mu.Unlock()
	if !ok {
		return nil
	}
	return k.gw.deleteUser(ctx, access)
}

func (k *gatewayKeys) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	key, err := k.KeyManager.UpdateKey(ctx, id, req)
	if err == nil && req.State == iam.StateInactive {
		err = k.dropUser(ctx, id, "deactivate")
	}
	return key, err
}

func (k *gatewayKeys) DeleteKey(ctx context.Context, id string) error {
	if err := k.KeyManager.DeleteKey(ctx, id); err != nil {
		return err
	}
	return k.dropUser(ctx, id, "delete")
}

func (k *gatewayKeys) userCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.users)
}
