package nebius_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestNoSecretsInLogsOrText runs calls that retry and fail with debug
// logging on, and checks that neither the token nor a minted secret shows
// up in the logs, in error text or in printed values.
func TestNoSecretsInLogsOrText(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, nil, func(o *nebius.Options) { o.Logger = logger })
	ctx := ctxT(t)
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: "AccessKeyService/Create"})
	k, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID), SecretDeliveryMode: nebius.DeliveryExplicit})
	if err != nil {
		t.Fatal(err)
	}
	secret := k.Secret.Reveal()
	e.srv.InjectError(nebiustest.InjectedError{Match: "AccessKeyService/Get", Code: codes.Unavailable, Times: 10})
	_, getErr := e.client.AccessKeys().Get(ctx, k.ID)
	sec, _ := e.client.AccessKeys().GetSecret(ctx, k.ID)
	printed := fmt.Sprintf("%v %+v %#v %v %+v %s", k, k, k, sec, sec, getErr)
	if !strings.Contains(logs.String(), "retrying call") {
		t.Fatalf("no retry logged: %s", logs.String())
	}
	for name, text := range map[string]string{"logs": logs.String(), "printed": printed} {
		for _, canary := range []string{e.token, secret} {
			if strings.Contains(text, canary) {
				t.Errorf("%s contain a secret: %s", name, text)
			}
		}
	}
}
