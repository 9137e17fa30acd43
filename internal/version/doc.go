// Package version holds iamkit's version and the User-Agent every client
// sends.
package version
