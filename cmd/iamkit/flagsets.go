package main

// flagSetOf returns the flags of a subcommand, for the keys a profile may
// hold (nil for an unknown name).
func flagSetOf(name string) *flagSet {
	switch name {
	case "credential-process":
		fs, _ := credentialProcessFlags()
		return fs
	case "token":
		fs, _ := tokenFlags()
		return fs
	case "keys":
		fs, _ := keysFlags()
		return fs
	case "emulator":
		fs, _ := emulatorFlags()
		return fs
	case "doctor":
		fs, _ := doctorFlags()
		return fs
	}
	return nil
}

// finish turns the exit code of a run into the process's; the test build
// (dialguard.go) reports dials it refused there.
var finish = func(code int) int { return code }
