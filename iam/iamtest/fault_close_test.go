package iamtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
)

// faultEmulator is one emulator under a fault test: its fault queue, a
// call that sends it one request (and says what came back), how many
// requests arrived, and Close.
type faultEmulator struct {
	faults *iamtest.Faults
	call   func() (answer string, err error)
	calls  func() int // requests arrived, counted before the fault
	close  func()
}

// httpCall sends one request with method to u and reports the answer's
// status, or the transport error.
func httpCall(method, u string, hdr map[string]string) func() (string, error) {
	return func() (string, error) {
		hc := &http.Client{Transport: &http.Transport{}}
		defer hc.CloseIdleConnections()
		req, err := http.NewRequest(method, u, strings.NewReader(`{}`))
		if err != nil {
			return "", err
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("HTTP %d with a %d-byte body", resp.StatusCode, len(body)), nil
	}
}

// faultEmulators starts every emulator of the iamtest family on clk.
var faultEmulators = map[string]func(t *testing.T, clk iam.Clock) faultEmulator{
	"NebiusTokenServer": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodPost, s.URL, nil), func() int { return s.Calls("") }, s.Close}
	},
	"YandexTokenServer": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodPost, s.URL, nil), func() int { return s.Calls("") }, s.Close}
	},
	"NebiusMetadataServer": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodGet, s.TokenURL, map[string]string{"Metadata": "true"}),
			func() int { return s.Calls(iamtest.NebiusMetadataTokenPath) }, s.Close}
	},
	"YandexMetadataServer": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodGet, s.URL+iamtest.YandexMetadataTokenPath, map[string]string{"Metadata-Flavor": "Google"}),
			func() int { return s.Calls(iamtest.YandexMetadataTokenPath) }, s.Close}
	},
	"S3Server": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodPut, s.URL+"/bucket", nil), func() int { return s.Calls("") }, s.Close}
	},
	"yandextest": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := yandextest.New(func(o *yandextest.Options) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodGet, s.URL+"/iam/v1/keys?serviceAccountId="+s.ServiceAccountID(), nil),
			func() int { return s.Calls("KeyService/List") }, s.Close}
	},
	"outscaletest": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := outscaletest.New(func(o *outscaletest.Options) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		return faultEmulator{s.Faults, httpCall(http.MethodPost, s.URL+"/ReadAccessKeys", nil),
			func() int { return s.Calls("ReadAccessKeys") }, s.Close}
	},
	"nebiustest": func(t *testing.T, clk iam.Clock) faultEmulator {
		s, err := nebiustest.New(func(o *nebiustest.Options) { o.Clock = clk })
		if err != nil {
			t.Fatal(err)
		}
		call := func() (string, error) {
			conn, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return "", err
			}
			defer conn.Close()
			err = conn.Invoke(context.Background(), "/nebius.iam.v2.AccessKeyService/Get", &emptypb.Empty{}, &emptypb.Empty{})
			if status.Code(err) == codes.Unavailable {
				return "", err
			}
			return fmt.Sprintf("gRPC %v", err), nil
		}
		return faultEmulator{s.Faults, call, func() int { return s.Calls("AccessKeyService/Get") }, s.Close}
	},
}

// TestFaultEndsOnCloseWithNoAnswer checks, for every emulator, that a
// request held by FaultHang, or by a FaultLatency the clock never
// reaches, ends when the emulator is closed with no answer: an HTTP
// emulator aborts the connection, the gRPC one ends the call with
// UNAVAILABLE. An answer (an empty 200 above all) would tell the client
// the call succeeded.
func TestFaultEndsOnCloseWithNoAnswer(t *testing.T) {
	for name, start := range faultEmulators {
		for _, fault := range []iamtest.Fault{
			{Kind: iamtest.FaultHang},
			{Kind: iamtest.FaultLatency, Delay: time.Hour},
		} {
			t.Run(fmt.Sprintf("%s/kind%d", name, fault.Kind), func(t *testing.T) {
				clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
				e := start(t, clk)
				e.faults.Add(fault)
				type result struct {
					answer string
					err    error
				}
				done := make(chan result, 1)
				go func() {
					a, err := e.call()
					done <- result{a, err}
				}()
				// Close once the request is held, so that Close has one
				// to release: a latency waits on a timer of the fake
				// clock, a hang once the request has been counted.
				if fault.Kind == iamtest.FaultLatency {
					clk.BlockUntilTimers(1, nil)
				} else {
					for e.calls() == 0 {
						select {
						case r := <-done:
							t.Fatalf("the request ended before the fault held it: %s %v", r.answer, r.err)
						default:
							runtime.Gosched()
						}
					}
				}
				closed := make(chan struct{})
				go func() { e.close(); close(closed) }()
				var r result
				select {
				case r = <-done:
				case <-time.After(10 * time.Second): // a guard, not a wait: the answer comes at once
					t.Fatal("the held request did not end within 10s of Close")
				}
				select {
				case <-closed:
				case <-time.After(10 * time.Second): // a guard, as above
					t.Fatal("Close did not return within 10s: a handler still holds the request")
				}
				if r.err == nil {
					t.Fatalf("the held request was answered on Close: %s; want the connection (or the gRPC call, with UNAVAILABLE) aborted", r.answer)
				}
			})
		}
	}
}
