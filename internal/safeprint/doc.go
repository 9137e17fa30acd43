// Package safeprint implements the String, GoString, Format and LogValue
// methods of iamkit's secret-holding struct types: it prints a struct's
// exported fields as fmt would (%v, %+v, %#v) and as slog groups, each
// field through its own methods, so that the iam.Secret fields inside show
// REDACTED. Fields that hold plaintext by design (the emulators' test
// secrets) are named by the caller and print as REDACTED too.
//
// Minimal use:
//
//	func (k AccessKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }
//	func (k AccessKey) LogValue() slog.Value        { return safeprint.LogValue(k) }
//
// Every verb other than %v, %+v and %#v prints the %v form, as iam.Secret
// does: no verb falls back to printing the value by reflection. Unexported
// fields are never printed. A pointer field whose type has no printing
// method prints as its address, as fmt prints nested pointers.
//
// # Concurrency
//
// The functions are safe for concurrent use; they read the value only.
package safeprint
