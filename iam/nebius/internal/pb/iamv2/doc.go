// Package iamv2 is generated from iamkit's minimal copy of the nebius.iam.v2 protos
// (see ../proto and ../gen.sh); do not edit the .pb.go files by hand.
package iamv2
