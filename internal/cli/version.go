package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the release version, set at build time with
//
//	go build -ldflags "-X github.com/hookline/hookline/internal/cli.Version=v1.2.3" ./cmd/hookline
var Version = "dev"

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, versionString())
			return err
		},
	}
}

// versionString reads the commit from the build info that the go command
// embeds (vcs.* settings, present when built inside a git checkout), so a
// binary can be traced to its source without any -ldflags.
func versionString() string {
	version, details := Version, []string{}
	goVersion := runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		// `go install github.com/hookline/hookline/cmd/hookline@v1.2.3`
		// records the module version; use it when -ldflags did not set one.
		if version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
		var revision, vcsTime string
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if revision != "" {
			details = append(details, "commit "+shortRevision(revision))
		}
		if vcsTime != "" {
			details = append(details, vcsTime)
		}
		if modified {
			details = append(details, "modified")
		}
	}
	s := "hookline " + version
	if len(details) > 0 {
		s += " (" + strings.Join(details, ", ") + ")"
	}
	return s + " " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}

func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
