// Command iamkit works with the access keys and tokens of Nebius AI Cloud,
// Yandex Cloud and 3DS OUTSCALE from the shell: an AWS credential_process
// helper that creates and rotates its own S3 key, a token printer, access-key
// management, all of iamkit's emulators as one local server, and a check of
// the credentials each cloud's default chain finds.
//
// Install it with
//
//	go install github.com/iamkit/iamkit/cmd/iamkit@latest
//
// Usage:
//
//	iamkit <subcommand> [flags]
//	iamkit <subcommand> -h       usage and examples of a subcommand
//	iamkit --version
//
// The subcommands:
//
//	credential-process  print the JSON of the AWS credential_process setting for
//	                    an access key the helper creates and rotates itself,
//	                    kept in a state file shared per account
//	token               print an access token (Nebius, Yandex Cloud), cached on disk
//	keys                list, create, rotate and delete access keys
//	                    (keys list|create|rotate|delete)
//	emulator            serve every emulator on fixed loopback ports and print
//	                    ready credential files and AWS CLI and rclone profiles
//	doctor              say which credentials each cloud's default chain picks,
//	                    which endpoints it would call, and whether they work
//
// # Credentials and endpoints
//
// Without a key file (--nebius-key-file, --yandex-key-file) the clouds'
// default chains find the credentials the way their CLIs do:
// nebius.LoadDefaultConfig (NEBIUS_IAM_TOKEN, ~/.nebius/config.yaml, the VM),
// yandex.LoadDefaultConfig (YC_IAM_TOKEN, YC_TOKEN,
// YC_SERVICE_ACCOUNT_KEY_FILE, yc's config.yaml, the VM) and
// outscale.LoadDefaultConfig (OSC_* variables, ~/.osc/config.json). Every
// endpoint can be moved: the Nebius API domain (--nebius-endpoint,
// NEBIUS_ENDPOINT, the profile's endpoint) or one address for IAM and the
// token exchange (--nebius-address, http:// for a plaintext emulator), the
// Yandex Cloud API endpoint (--yandex-endpoint, the yc profile's endpoint),
// the OUTSCALE API (--outscale-endpoint, OSC_ENDPOINT_API, the profile's
// endpoints.api) and the metadata services.
//
// Every flag can also be given as the variable IAMKIT_<FLAG> (IAMKIT_NEBIUS_KEY_FILE
// for --nebius-key-file) and as a key of a profile in iamkit's configuration
// file (--config, IAMKIT_CONFIG, default <user config dir>/iamkit/config.yaml;
// the profile is --profile, IAMKIT_PROFILE, else "default"):
//
//	profiles:
//	  default:
//	    cloud: yandex
//	    yandex-key-file: ~/.config/yandex/key.json
//
// A flag wins over its variable, the variable over the profile.
//
// # credential_process
//
//	[profile yandex-s3]
//	credential_process = /home/me/go/bin/iamkit credential-process --cloud yandex
//	region = ru-central1
//	endpoint_url = https://storage.yandexcloud.net
//	request_checksum_calculation = when_required
//	response_checksum_validation = when_required
//
// aws-cli before 2.13 (Debian 12 ships 2.9) ignores endpoint_url in a profile
// and the AWS_ENDPOINT_URL variables, and would send the request to AWS: pass
// --endpoint-url on every command there. The key is kept in a state file
// (mode 0600) per account (for OUTSCALE, per access key or login) and key
// mark, under <user cache dir>/iamkit/credential-process/, so that repeated
// and concurrent runs use one key; runs on one state take turns. The printed
// Expiration is always more than 15 minutes ahead (botocore refreshes
// credentials 15 minutes before it, and insists at 10) and never after the key
// stops working: when the credentials would change sooner, the run rotates at
// once. So that rotations stay rare, --lifetime minus --rotate-before must be
// at least 37m10s: twice the 16-minute margin (botocore's 15 minutes and one
// for the run) plus the old key's switch delay and grace period (5m10s,
// also the least --rotate-before), so that the old key is gone before the new
// one is rotated in turn and at most two keys exist at once.
//
// # Output, errors and files
//
// Secrets go to stdout only, and only where the output is for: the
// credential_process JSON, the token, and a key created by keys create or
// keys rotate with --show-secret (once). Errors go to stderr, once, naming
// the host called and the cause. A credential-process run that fails before
// storing a key leaves no file behind (no state, no lock, no directory).
//
// # Exit codes
//
//	0    done (the emulator: stopped by SIGINT or SIGTERM)
//	1    a cloud or an emulator refused the request or could not be reached,
//	     or a local file could not be read or written
//	2    the command line is wrong: nothing was done
//	3    no credentials found, or a key file, profile or configuration file
//	     cannot be used: nothing was sent to a cloud
//	130  interrupted by SIGINT or SIGTERM before the work was done
//
// # Why the standard flag package
//
// go install …/cmd/iamkit@latest needs the command in iamkit's root module,
// so whatever it imports lands in the go.mod of every program that imports
// the library. The standard library's flag package keeps that go.mod lean; a
// subcommand library such as cobra would add cobra, pflag and mousetrap to
// every importer's module graph for a handful of subcommands. flag accepts
// both -flag and --flag.
package main
