// Package pb holds the Go code generated from iamkit's own minimal copies of
// the Nebius API protos (proto/): nebius.common.v1 (ResourceMetadata,
// Operation, OperationService, ServiceError), nebius.iam.v1 (Account,
// AuthPublicKeyService) and nebius.iam.v2 (AccessKeyService). The packages,
// message names, field names and field numbers are those of
// github.com/nebius/api; only what iamkit uses is kept.
//
// The generated packages are commonv1, iamv1 and iamv2. The code is
// committed; gen.sh regenerates it with pinned plugin versions.
package pb

//go:generate sh gen.sh
