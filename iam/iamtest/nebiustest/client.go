package nebiustest

import (
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"

	"github.com/iamkit/iamkit/iam/nebius"
)

// ClientOptions returns an option for [nebius.New], [nebius.NewTokenExchanger]
// and [nebius.ServiceAccountTokens] that points them at the emulator, as
// httptest.Server.Client does for a test server, and sets the emulator's
// Options.Clock when one was set, so that the client's expiry checks and
// waits run on the emulator's time:
//
//   - by default, Address and TokenExchangeAddress are the emulator's Addr,
//     with Plaintext (or, with Options.TLS, a TLSConfig trusting
//     [Server.RootCAs]);
//   - with Options.Domain (and TLS), Domain is set instead and the
//     addresses are left empty, so that the client forms
//     cpl.iam.<Domain>:443 and tokens.iam.<Domain>:443 by the domain rule;
//     a resolver among the DialOptions takes every name to the emulator's
//     Addr, without DNS.
//
// The token source and ProjectID are the caller's (a [ServiceAccount] has
// both: IssueToken(sa.ID, ttl), or its credentials exchanged at the
// emulator, and sa.ProjectID). Options given after it override it.
func (s *Server) ClientOptions() func(*nebius.Options) {
	return func(o *nebius.Options) {
		if s.opts.Clock != nil {
			o.Clock = s.opts.Clock
		}
		if !s.opts.TLS {
			o.Address, o.TokenExchangeAddress, o.Plaintext = s.Addr, s.Addr, true
			return
		}
		o.Plaintext = false
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: s.pool}
		if s.opts.Domain == "" {
			o.Address, o.TokenExchangeAddress = s.Addr, s.Addr
			return
		}
		o.Domain, o.Address, o.TokenExchangeAddress = s.opts.Domain, "", ""
		o.DialOptions = append(o.DialOptions, grpc.WithResolvers(fixedResolver{addr: s.Addr}))
	}
}

// fixedResolver resolves every target name to addr: it stands in for the
// "passthrough" scheme of one client connection (the scheme of the
// clients' targets), so that the emulator's domain needs no DNS and the
// client's dialer gets the emulator's loopback address.
type fixedResolver struct{ addr string }

// Build resolves the target to the emulator's address.
func (r fixedResolver) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if err := cc.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: r.addr}}}); err != nil {
		return nil, err
	}
	return fixedResolver{}, nil
}

// Scheme is "passthrough", the scheme of the clients' targets.
func (fixedResolver) Scheme() string { return "passthrough" }

// ResolveNow does nothing: the address does not change.
func (fixedResolver) ResolveNow(resolver.ResolveNowOptions) {}

// Close does nothing.
func (fixedResolver) Close() {}
