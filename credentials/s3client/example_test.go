package s3client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// An S3 client for OUTSCALE OOS in eu-west-2, here pointed at the S3
// emulator with a static key.
func ExampleNew() {
	ctx := context.Background()
	srv, err := iamtest.NewS3Server()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "ABCDEFGHIJ0123456789", Secret: iam.NewSecret("example-secret"), Active: true})

	creds, err := iamcreds.NewStaticProvider(iam.AccessKey{Provider: iam.Outscale, AccessKeyID: "ABCDEFGHIJ0123456789", Secret: iam.NewSecret("example-secret")})
	if err != nil {
		panic(err)
	}
	client, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
		o.Endpoint = srv.URL // omit to reach https://oos.eu-west-2.outscale.com
	})
	if err != nil {
		panic(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("example-bucket")}); err != nil {
		panic(err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("example-bucket"), Key: aws.String("hello.txt"), Body: strings.NewReader("hello, OOS")}); err != nil {
		panic(err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("example-bucket"), Key: aws.String("hello.txt")})
	if err != nil {
		panic(err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	fmt.Println(string(b))
	// Output: hello, OOS
}
