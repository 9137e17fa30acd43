package iamtest

import "github.com/iamkit/iamkit/credentials/s3client"

// ClientOptions returns an option for s3client.New that points the S3
// client at the server, as httptest.Server.Client does for a test server:
// Endpoint (the server's URL; s3client.New adds path-style addressing and
// the checksum settings non-AWS S3 needs) and, when S3Options.Region
// restricts the signing region, Region. Options given after it override
// it.
//
//	client, err := s3client.New(iam.Yandex, "", provider, srv.ClientOptions())
func (s *S3Server) ClientOptions() func(*s3client.Options) {
	return func(o *s3client.Options) {
		o.Endpoint = s.URL
		if s.region != "" {
			o.Region = s.region
		}
	}
}
