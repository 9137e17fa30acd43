package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// typedDescription marks the key the quickstart creates with a typed client.
const typedDescription = "iamkit-quickstart"

func runNebius(ctx context.Context, cfg config, w *world, rep *report) error {
	var (
		key       *auth.ServiceAccountKey
		tokenOpts []func(*auth.ServiceAccountOptions)
		clientOpt = func(o *nebius.Options) { o.ProjectID = cfg.nebiusProject }
		exchanges func() int
		ambient   func() (string, error) // the emulated VM's step
	)
	if cfg.real {
		if err := rep.step("load the service-account credentials JSON", func() (string, error) {
			var err error
			key, err = nebiusauth.LoadCredentialsFile(cfg.nebiusCredentials)
			return fmt.Sprint(key), err
		}); err != nil {
			return err
		}
	} else {
		tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = w.reg })
		if err != nil {
			return err
		}
		w.onClose(tokens.Close)
		emu, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = w.reg })
		if err != nil {
			return err
		}
		w.onClose(emu.Close)
		exchanges = func() int { return tokens.Calls("") }
		tokenOpts = append(tokenOpts, tokens.ServiceAccountOptions())
		var sa *nebiustest.ServiceAccount
		if err := rep.step("create a service-account key (upload public key)", func() (string, error) {
			var err error
			sa, err = emu.NewServiceAccount("")
			if err != nil {
				return "", err
			}
			key, err = nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
			return fmt.Sprintf("%s of %s", key.KeyID, key.ServiceAccountID), err
		}); err != nil {
			return err
		}
		emuOpts := emu.ClientOptions()
		clientOpt = func(o *nebius.Options) { emuOpts(o); o.ProjectID = sa.ProjectID }
		ambient = func() (string, error) { return nebiusOnVM(ctx, w, emu, sa) }
	}
	ts, err := nebiusauth.ServiceAccount(key, tokenOpts...)
	if err != nil {
		return err
	}
	defer ts.Close()
	if err := tokenSteps(ctx, rep, ts, exchanges); err != nil {
		return err
	}
	if ambient != nil {
		if err := rep.step("ambient credentials, as if on a VM", ambient); err != nil {
			return err
		}
	}

	client, err := nebius.New(ts, clientOpt)
	if err != nil {
		return err
	}
	defer client.Close()
	account := nebius.ServiceAccount(key.ServiceAccountID)
	km, err := nebius.NewKeyManager(client, account)
	if err != nil {
		return err
	}
	aks := client.AccessKeys()
	return keySteps(ctx, rep, w, keyFlow{
		provider: iam.Nebius,
		region:   cfg.nebiusRegion,
		km:       km,
		create: func(ctx context.Context) (iam.AccessKey, string, error) {
			k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{
				Account: account, Description: typedDescription, ExpiresAt: time.Now().Add(time.Hour),
			})
			if err != nil {
				return iam.AccessKey{}, "", err
			}
			return k.ToIAM(), fmt.Sprintf("%s, aws_access_key_id %s, secret %v", k.ID, k.AccessKeyID, k.Secret), nil
		},
		list: func(ctx context.Context, want iam.AccessKey) (string, error) {
			n, found := 0, false
			for k, err := range aks.List(ctx, nebius.ListRequest{}) {
				if err != nil {
					return "", err
				}
				n++
				found = found || k.ID == want.ID
			}
			if !found {
				return "", fmt.Errorf("%s is not in the list", want.ID)
			}
			return fmt.Sprintf("%d key(s) in the project, %s among them", n, want.ID), nil
		},
		remove: func(ctx context.Context, k iam.AccessKey) error {
			return aks.Delete(ctx, k.ID)
		},
	})
}

func runYandex(ctx context.Context, cfg config, w *world, rep *report) error {
	var (
		key       *auth.ServiceAccountKey
		tokenOpts []func(*auth.ServiceAccountOptions)
		clientOpt = func(*yandex.Options) {}
		exchanges func() int
		ambient   func() (string, error) // the emulated VM's step
	)
	if cfg.real {
		if err := rep.step("load the authorized key.json", func() (string, error) {
			var err error
			key, err = yandexauth.LoadKeyFile(cfg.yandexKey)
			return fmt.Sprint(key), err
		}); err != nil {
			return err
		}
	} else {
		tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = w.reg })
		if err != nil {
			return err
		}
		w.onClose(tokens.Close)
		emu, err := yandextest.New(func(o *yandextest.Options) { o.Registry = w.reg })
		if err != nil {
			return err
		}
		w.onClose(emu.Close)
		exchanges = func() int { return tokens.Calls("") }
		tokenOpts = append(tokenOpts, tokens.ServiceAccountOptions())
		clientOpt = emu.ClientOptions()
		ambient = func() (string, error) { return yandexOnVM(ctx, w, emu) }
		if err := rep.step("create an authorized key (key.json)", func() (string, error) {
			keyJSON, err := emu.BootstrapKeyFile()
			if err != nil {
				return "", err
			}
			key, err = yandexauth.ParseKey(keyJSON, "key.json")
			return fmt.Sprintf("%s of %s", key.KeyID, key.ServiceAccountID), err
		}); err != nil {
			return err
		}
	}
	ts, err := yandexauth.ServiceAccount(key, tokenOpts...)
	if err != nil {
		return err
	}
	defer ts.Close()
	if err := tokenSteps(ctx, rep, ts, exchanges); err != nil {
		return err
	}
	if ambient != nil {
		if err := rep.step("ambient credentials, as if on a VM", ambient); err != nil {
			return err
		}
	}

	client, err := yandex.New(ts, clientOpt, func(o *yandex.Options) { o.ServiceAccountID = key.ServiceAccountID })
	if err != nil {
		return err
	}
	defer client.Close()
	km, err := yandex.NewKeyManager(client, key.ServiceAccountID)
	if err != nil {
		return err
	}
	aks := client.AccessKeys()
	return keySteps(ctx, rep, w, keyFlow{
		provider: iam.Yandex,
		region:   "ru-central1",
		km:       km,
		create: func(ctx context.Context) (iam.AccessKey, string, error) {
			k, err := aks.Create(ctx, yandex.CreateAccessKeyRequest{ServiceAccountID: key.ServiceAccountID, Description: typedDescription})
			if err != nil {
				return iam.AccessKey{}, "", err
			}
			return k.ToIAM(), fmt.Sprintf("%s, key ID %s, secret %v", k.AccessKey.ID, k.AccessKey.AccessKeyID, k.Secret), nil
		},
		list: func(ctx context.Context, want iam.AccessKey) (string, error) {
			n, found := 0, false
			for k, err := range aks.List(ctx, yandex.ListAccessKeysRequest{ServiceAccountID: key.ServiceAccountID}) {
				if err != nil {
					return "", err
				}
				n++
				found = found || k.ID == want.ID
			}
			if !found {
				return "", fmt.Errorf("%s is not in the list", want.ID)
			}
			return fmt.Sprintf("%d key(s) of the service account, %s among them", n, want.ID), nil
		},
		remove: func(ctx context.Context, k iam.AccessKey) error { return aks.Delete(ctx, k.ID) },
	})
}

func runOutscale(ctx context.Context, cfg config, w *world, rep *report) error {
	var opts []func(*outscale.Options)
	if cfg.real {
		if err := rep.step("load the profile (~/.osc/config.json, OSC_*)", func() (string, error) {
			p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) { o.Profile = cfg.outscaleProfile })
			if err != nil {
				return "", err
			}
			opts = append(opts, outscale.WithProfile(p))
			return fmt.Sprintf("profile %q, region %s, access key %s, secret %v", p.Name, p.Region, p.AccessKey, p.SecretKey), nil
		}); err != nil {
			return err
		}
	} else {
		emu, err := outscaletest.New(func(o *outscaletest.Options) { o.Registry = w.reg })
		if err != nil {
			return err
		}
		w.onClose(emu.Close)
		if err := rep.step("the account's access key (emulator root)", func() (string, error) {
			opts = append(opts, emu.ClientOptions(emu.Root))
			return fmt.Sprintf("access key %s, secret %v", emu.Root.AccessKey, emu.Root.SecretKey), nil
		}); err != nil {
			return err
		}
	}
	client, err := outscale.New(opts...)
	if err != nil {
		return err
	}
	defer client.Close()
	km, err := outscale.NewKeyManager(client)
	if err != nil {
		return err
	}
	if err := rep.step("SigV4-signed call (ReadApiAccessPolicy)", func() (string, error) {
		out, err := client.APIAccessPolicy().Get(ctx)
		if err != nil {
			return "", err
		}
		limit := "no limit"
		if s := out.MaxAccessKeyExpirationSeconds; s > 0 {
			limit = (time.Duration(s) * time.Second).String()
		}
		return fmt.Sprintf("signed for region %s; key lifetime cap: %s", client.Region(), limit), nil
	}); err != nil {
		return err
	}
	return keySteps(ctx, rep, w, keyFlow{
		provider: iam.Outscale,
		region:   client.Region(),
		km:       km,
		create: func(ctx context.Context) (iam.AccessKey, string, error) {
			out, err := client.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{
				ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)), Tag: typedDescription,
			})
			if err != nil {
				return iam.AccessKey{}, "", err
			}
			k := out
			ak := k.ToIAM()
			return ak, fmt.Sprintf("%s, secret %v, expires %s", k.AccessKeyID, k.SecretKey, ak.ExpiresAt.UTC().Format(time.RFC3339)), nil
		},
		list: func(ctx context.Context, want iam.AccessKey) (string, error) {
			keys, err := client.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
			if err != nil {
				return "", err
			}
			for _, k := range keys {
				if k.AccessKeyID == want.AccessKeyID {
					return fmt.Sprintf("%d key(s) in the account, %s %s", len(keys), k.AccessKeyID, k.State), nil
				}
			}
			return "", fmt.Errorf("%s is not in the list", want.AccessKeyID)
		},
		remove: func(ctx context.Context, k iam.AccessKey) error { return km.DeleteKey(ctx, k.ID) },
	})
}

// nebiusOnVM runs nebius.LoadDefaultConfig as a program on a Nebius VM
// with no key and no flags would: the metadata emulator stands for
// metadata.nebius.internal (its VM runs as sa), and the environment holds
// nothing else (no NEBIUS_IAM_TOKEN, no ~/.nebius/config.yaml). The
// configuration it finds makes a client that lists the project's keys.
func nebiusOnVM(ctx context.Context, w *world, emu *nebiustest.Server, sa *nebiustest.ServiceAccount) (string, error) {
	md, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) {
		o.Registry, o.ServiceAccountID = w.reg, sa.ID
	})
	if err != nil {
		return "", err
	}
	w.onClose(md.Close)
	vm := map[string]string{nebiusauth.EnvMetadataURL: md.TokenURL}
	cfg, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
		o.Getenv = func(k string) string { return vm[k] }
		o.ClientOptions = []func(*nebius.Options){emu.ClientOptions()}
	})
	if err != nil {
		return "", err
	}
	defer cfg.Close()
	client, err := nebius.New(cfg.TokenSource, cfg.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		return "", err
	}
	defer client.Close()
	page, err := client.AccessKeys().ListPage(ctx, nebius.ListRequest{})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; %d key(s) listed", cfg.Source, len(page.Items)), nil
}

// yandexOnVM runs yandex.LoadDefaultConfig as a program on a Yandex Cloud
// VM would: the metadata emulator stands for 169.254.169.254 (its VM runs
// as the emulator's service account), the IAM emulator for the Cloud API
// endpoint, and the environment holds nothing else.
func yandexOnVM(ctx context.Context, w *world, emu *yandextest.Server) (string, error) {
	md, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) {
		o.Registry, o.ServiceAccountID = w.reg, emu.ServiceAccountID()
	})
	if err != nil {
		return "", err
	}
	w.onClose(md.Close)
	vm := map[string]string{yandexauth.EnvMetadataAddr: md.Addr}
	cfg, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) {
		o.Getenv = func(k string) string { return vm[k] }
		o.Endpoint = strings.TrimPrefix(emu.URL, "http://") // default: api.cloud.yandex.net:443
	})
	if err != nil {
		return "", err
	}
	defer cfg.Close()
	client, err := yandex.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		return "", err
	}
	defer client.Close()
	page, err := client.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{ServiceAccountID: emu.ServiceAccountID()})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s; %d API key(s) listed", cfg.Source, len(page.Items)), nil
}
