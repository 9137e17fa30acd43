package iamtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// The S3 emulator accepts requests signed with the keys in its registry
// (key emulators put the keys they mint there) and refuses the others as
// S3 does. ClientOptions points an s3client at it.
func ExampleNewS3Server() {
	srv, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Region = "ru-central1" })
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "YCAJEexample", Secret: iam.NewSecret("YCexample-secret"), Active: true})

	client := func(secret string) *s3.Client {
		c, err := s3client.New(iam.Yandex, "", awscreds.NewStaticCredentialsProvider("YCAJEexample", secret, ""), srv.ClientOptions())
		if err != nil {
			panic(err)
		}
		return c
	}
	ctx := context.Background()
	good := client("YCexample-secret")
	if _, err := good.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("example")}); err != nil {
		panic(err)
	}
	if _, err := good.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("example"), Key: aws.String("a.txt"), Body: strings.NewReader("hi")}); err != nil {
		panic(err)
	}
	b, _ := srv.Object("example", "a.txt")
	fmt.Println(string(b), srv.Calls("PutObject"), srv.Calls(""))

	_, err = client("wrong-secret").ListBuckets(ctx, &s3.ListBucketsInput{})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	srv.Registry.SetS3KeyActive("YCAJEexample", false)
	_, err = good.ListBuckets(ctx, &s3.ListBucketsInput{})
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	// Output:
	// hi 1 2
	// SignatureDoesNotMatch
	// InvalidAccessKeyId
}
