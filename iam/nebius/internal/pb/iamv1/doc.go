// Package iamv1 is generated from iamkit's minimal copy of the nebius.iam.v1 protos
// (see ../proto and ../gen.sh); do not edit the .pb.go files by hand.
package iamv1
