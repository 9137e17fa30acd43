package outscaletest

import "github.com/iamkit/iamkit/iam/outscale"

// ClientOptions returns an option for [outscale.New] that points a client
// at the emulator as c, as httptest.Server.Client does for a test server:
// Endpoint (the emulator's URL) and Region, c's access key and secret key
// (or, when c has no access key, its login and password), the emulator's
// CA as RootCAs when it serves TLS, and the emulator's Options.Clock when
// one was set, so that the client signs with the time the emulator checks
// signatures against. Options given after it override it.
func (s *Server) ClientOptions(c Credentials) func(*outscale.Options) {
	return func(o *outscale.Options) {
		o.Endpoint = s.URL
		o.Region = s.opts.Region
		if c.AccessKey != "" {
			o.AccessKey, o.SecretKey = c.AccessKey, c.SecretKey
		} else {
			o.Login, o.Password = c.Login, c.Password
		}
		if s.pool != nil {
			o.RootCAs = s.pool
		}
		if s.opts.Clock != nil {
			o.Clock = s.opts.Clock
		}
	}
}
