package nebiustest

import "github.com/iamkit/iamkit/iam/nebius"

// ClientOptions returns an option for [nebius.New] that points a client at
// the emulator, as httptest.Server.Client does for a test server: Address
// (the emulator's Addr) with Plaintext, and the emulator's Options.Clock
// when one was set, so that the client's expiry checks and waits run on
// the time the emulator keeps. The token source and ProjectID are the
// caller's (a [ServiceAccount] has both: IssueToken(sa.ID, ttl) and
// sa.ProjectID). Options given after it override it.
func (s *Server) ClientOptions() func(*nebius.Options) {
	return func(o *nebius.Options) {
		o.Address = s.Addr
		o.Plaintext = true
		if s.opts.Clock != nil {
			o.Clock = s.opts.Clock
		}
	}
}
