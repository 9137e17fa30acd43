package yandextest

import "github.com/iamkit/iamkit/iam/yandex"

// ClientOptions returns an option for [yandex.New] that points a client at
// the emulator, as httptest.Server.Client does for a test server: Endpoint
// and OperationEndpoint (the emulator's URL), and the emulator's
// Options.Clock when one was set, so that the client's expiry checks and
// operation polling run on the time the emulator keeps. The token source
// is yandex.New's own argument (a token of [Server.IssueToken], or of the
// Yandex token emulator sharing the Registry). Options given after it
// override it.
func (s *Server) ClientOptions() func(*yandex.Options) {
	return func(o *yandex.Options) {
		o.Endpoint = s.URL
		o.OperationEndpoint = s.URL
		if s.opts.Clock != nil {
			o.Clock = s.opts.Clock
		}
	}
}
