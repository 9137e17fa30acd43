package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Settings: every flag of a subcommand can be given on the command line,
// as the variable IAMKIT_<FLAG>, or as a key of a profile in iamkit's
// configuration file; the command line wins over the variable, the
// variable over the profile.
//
// The configuration file (--config, $IAMKIT_CONFIG, else
// <user config dir>/iamkit/config.yaml) is YAML:
//
//	profiles:
//	  default:
//	    cloud: nebius
//	    nebius-key-file: ~/.nebius/sa-credentials.json
//
// The profile is --profile, else $IAMKIT_PROFILE, else "default" (used
// only when the file has it).

// flagSet is a subcommand's flags, with its usage text.
type flagSet struct {
	*flag.FlagSet
	name     string // "credential-process"
	synopsis string // the usage lines after "Usage:"
	about    string // what the subcommand does, before the flags
	examples string // after the flags
	config   string // --config
	profile  string // --profile
	// origins says where each flag's value came from, for errors: the
	// variable or the profile (absent: the command line or the default).
	origins map[string]string
}

// origin names where the value of the flag came from, with the value, for
// messages: "--name v", "IAMKIT_NAME=v", or the profile's key.
func (fs *flagSet) origin(name string) string {
	f := fs.Lookup(name)
	if f == nil {
		return "--" + name
	}
	if o, ok := fs.origins[name]; ok {
		return o
	}
	return "--" + name + " " + f.Value.String()
}

func newFlagSet(name, synopsis, about, examples string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), name: name, synopsis: synopsis, about: about, examples: examples}
	fs.SetOutput(io.Discard) // errors are reported once, by report
	fs.Usage = func() {}
	fs.StringVar(&fs.config, "config", "", "iamkit's configuration file (default <user config dir>/iamkit/config.yaml)")
	fs.StringVar(&fs.profile, "profile", "", `profile of the configuration file whose keys give flag values (default "default")`)
	return fs
}

// printUsage writes the subcommand's usage, flags and examples.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage:\n%s\n\n%s\n\nFlags (each also IAMKIT_<FLAG>, or a key of a --profile):\n", indent(fs.synopsis), strings.TrimSpace(fs.about))
	fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  " + dash + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintf(w, "%s\n      %s", line, strings.ReplaceAll(usage, "\n", "\n      "))
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
	if fs.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", indent(fs.examples))
	}
	fmt.Fprintln(w, "\nExit codes: 0 done; 1 a cloud or emulator refused or could not be reached; 2 bad command line; 3 no credentials or an unusable key file, profile or configuration file; 130 interrupted.")
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// envName is the variable of a flag: IAMKIT_ and the name in upper case,
// "-" as "_".
func envName(flagName string) string {
	return "IAMKIT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills every flag not given from its variable or
// the profile. -h prints the usage on stdout and returns errHelp. Extra
// positional arguments are refused.
func (fs *flagSet) parse(io *stdio, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.printUsage(io.stdout)
			return errHelp
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (flags go before nothing else; see -h)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	// --config and --profile come from the command line or their
	// variables only.
	for _, name := range []string{"config", "profile"} {
		if !given[name] {
			if v := io.getenv(envName(name)); v != "" {
				_ = fs.Set(name, v)
				given[name+"-env"] = true
			}
		}
	}
	prof, err := loadProfile(io, fs.config, fs.profile, given["config"] || given["config-env"], given["profile"] || given["profile-env"])
	if err != nil {
		return configError(err)
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || f.Name == "config" || f.Name == "profile" {
			return
		}
		if v := io.getenv(envName(f.Name)); v != "" {
			fs.setOrigin(f.Name, envName(f.Name)+"="+v)
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, usageErrorf("%s=%q: %v", envName(f.Name), v, err))
			}
			return
		}
		if prof == nil {
			return
		}
		if v, ok := prof.values[f.Name]; ok {
			if strings.HasSuffix(f.Name, "-file") && strings.HasPrefix(v, "~/") {
				if home, err := os.UserHomeDir(); err == nil {
					v = filepath.Join(home, v[2:])
				}
			}
			fs.setOrigin(f.Name, fmt.Sprintf("%s %s of profile %q in %s", f.Name, v, prof.name, prof.file))
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, configError(fmt.Errorf("%s: profile %q: %s: %q: %v", prof.file, prof.name, f.Name, v, err)))
			}
		}
	})
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (fs *flagSet) setOrigin(name, origin string) {
	if fs.origins == nil {
		fs.origins = map[string]string{}
	}
	fs.origins[name] = origin
}

// profile is the part of iamkit's configuration file a run uses.
type profile struct {
	file, name string
	values     map[string]string
}

// knownKeys are the flag names a profile may hold: the flags of every
// subcommand (a profile serves them all; each takes what it knows).
func knownKeys() map[string]bool {
	keys := map[string]bool{}
	for _, c := range commands() {
		fs := flagSetOf(c.name)
		if fs == nil {
			continue
		}
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name != "config" && f.Name != "profile" {
				keys[f.Name] = true
			}
		})
	}
	return keys
}

// loadProfile reads the profile a run uses, or nil when there is none. A
// file or profile that was named (flag or variable) must exist.
func loadProfile(io *stdio, file, name string, fileNamed, nameNamed bool) (*profile, error) {
	if file == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			if nameNamed {
				return nil, fmt.Errorf("--profile %q: no configuration file (no user config directory: %v); give --config", name, err)
			}
			return nil, nil
		}
		file = filepath.Join(dir, "iamkit", "config.yaml")
	}
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !fileNamed && !nameNamed:
		return nil, nil
	case errors.Is(err, fs.ErrNotExist) && !fileNamed:
		return nil, fmt.Errorf("--profile %q: configuration file %s does not exist", name, file)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("configuration file %s (--config, IAMKIT_CONFIG) does not exist", file)
	case err != nil:
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	var doc struct {
		Profiles map[string]yaml.Node `yaml:"profiles"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("configuration file %s: %v", file, err)
	}
	if name == "" {
		name = "default"
		if _, ok := doc.Profiles[name]; !ok {
			return nil, nil
		}
	}
	node, ok := doc.Profiles[name]
	if !ok {
		names := make([]string, 0, len(doc.Profiles))
		for n := range doc.Profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("configuration file %s has no profile %q (profiles: %s)", file, name, strings.Join(names, ", "))
	}
	if node.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("configuration file %s: profile %q (line %d): want a mapping of flag names to values", file, name, node.Line)
	}
	known := knownKeys()
	p := &profile{file: file, name: name, values: map[string]string{}}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		if !known[k.Value] {
			return nil, fmt.Errorf("configuration file %s: profile %q: line %d: unknown key %q (keys are flag names without the dashes, such as nebius-key-file)", file, name, k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("configuration file %s: profile %q: line %d: %s: want a single value", file, name, v.Line, k.Value)
		}
		p.values[k.Value] = v.Value
	}
	return p, nil
}
