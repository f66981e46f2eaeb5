package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/config"
)

// curlLineRE finds the ready-to-paste curl line of the --dev banner.
var curlLineRE = regexp.MustCompile(`(?m)^  (curl .*)$`)

// TestWelcomeCurlLineWorksWhenPasted runs the --dev banner's curl line in
// a real shell, as a new user pasting it would: with a generated token
// printed in the line, and with the token given by the operator and read
// from HOOKLINE_ADMIN_TOKEN. Each must create the app it says it creates.
func TestWelcomeCurlLineWorksWhenPasted(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(shell); err != nil {
			t.Skipf("%s is not installed: %v", shell, err)
		}
	}
	cases := []struct {
		name       string
		adminToken string // "" lets the server generate one
	}{
		{"generated token", ""},
		{"token from the environment", testAdminToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, func(c *config.Config) { c.Dev, c.AdminToken = true, tc.adminToken })
			out := s.Out.String()
			if !strings.HasPrefix(out, "Hookline listening on "+s.URL+" (version ") {
				t.Errorf("banner starts %q, want %q", bannerFirstLine(out), "Hookline listening on "+s.URL+" (version ...)")
			}
			if !strings.Contains(out, "\nDashboard: "+s.URL+"/ (sign in with the admin token)\n") {
				t.Errorf("the banner does not say where the dashboard is:\n%s", out)
			}
			m := curlLineRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no curl line in the --dev banner:\n%s", out)
			}
			cmd := exec.Command("bash", "-c", m[1])
			cmd.Env = append(os.Environ(), "HOOKLINE_ADMIN_TOKEN="+testAdminToken)
			body, err := cmd.Output()
			if err != nil {
				t.Fatalf("pasted %q: %v", m[1], err)
			}
			var app struct{ ID, Name string }
			if err := json.Unmarshal(body, &app); err != nil || !strings.HasPrefix(app.ID, "app_") || app.Name != "My first app" {
				t.Errorf("pasted %q answered %s (%v), want the new app", m[1], body, err)
			}
		})
	}
}

func bannerFirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
