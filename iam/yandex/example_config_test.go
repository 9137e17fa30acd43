package yandex_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// LoadDefaultConfig "as if on a VM": the metadata emulator stands for
// 169.254.169.254 and the IAM emulator for the Cloud API endpoint (its
// endpoint list names itself). A real program on a VM passes no option.
func ExampleLoadDefaultConfig() {
	reg := iamtest.NewRegistry()
	api, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()
	md, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()
	env := map[string]string{"YC_METADATA_ADDR": md.Addr} // and no HOME: no yc config

	ctx := context.Background()
	cfg, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) {
		o.Getenv = func(k string) string { return env[k] }  // default: os.Getenv
		o.Endpoint = strings.TrimPrefix(api.URL, "http://") // default: api.cloud.yandex.net:443
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cfg.Close()
	fmt.Println(cfg.Source.Kind, cfg.Source.Detail)

	client, err := yandex.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	created, err := client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: "from the VM"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.APIKey.ServiceAccountID == iamtest.DefaultYandexMetadataServiceAccountID, created.Secret)
	// Output:
	// metadata the VM's service account
	// true REDACTED
}

// With no credentials anywhere, the error lists every source and why it
// was skipped.
func ExampleLoadDefaultConfig_nothingFound() {
	_, err := yandex.LoadDefaultConfig(context.Background(), func(o *yandex.LoadOptions) {
		o.Getenv = func(string) string { return "" } // nothing set, no HOME
		o.SkipMetadata = true
	})
	fmt.Println(errors.Is(err, auth.ErrNoCredentials))
	for _, s := range strings.Split(strings.TrimSuffix(strings.SplitN(err.Error(), "(tried: ", 2)[1], ")"), "; ") {
		fmt.Println(s)
	}
	// Output:
	// true
	// env YC_IAM_TOKEN, YC_TOKEN (not set)
	// key-file YC_SERVICE_ACCOUNT_KEY_FILE (not set)
	// profile ~/.config/yandex-cloud/config.yaml (no home directory ($HOME is not set))
	// metadata (skipped (LoadOptions.SkipMetadata))
}
