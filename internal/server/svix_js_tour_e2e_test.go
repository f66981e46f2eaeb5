package server_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// jsTourDir holds the Svix JavaScript SDK tour, relative to this package.
var jsTourDir = filepath.Join("..", "..", "compat", "svix-js")

// summaryRE is the tour's last line; a run that ends without it did not
// finish, whatever its exit status.
var summaryRE = regexp.MustCompile(`(?m)^summary: (\d+) calls \((\d+) ok, (\d+) FAIL\), (\d+) delivery checks \((\d+) ok, (\d+) FAIL\)`)

// TestSvixJSTour runs compat/svix-js/tour.mjs, every method of the
// official Svix JavaScript SDK (npm svix, pinned by its lockfile), against
// a real server on each backend, with a Node receiver that verifies every
// delivery with the SDK's Webhook class and with standardwebhooks. It
// needs Node.js and `npm ci` in compat/svix-js; without them it skips,
// unless HOOKLINE_REQUIRE_JS_TOUR=1 (as in .ci/run), when it fails.
func TestSvixJSTour(t *testing.T) {
	t.Parallel()
	node := jsTourNode(t)
	eachBackend(t, func(t *testing.T, db serverOption) {
		// The receiver is on loopback. The harness's retry schedule (two
		// quick retries) lets the tour's failing endpoint fail for good
		// within a second.
		s := startServer(t, db, withPrivateTargets(true))
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		report := filepath.Join(t.TempDir(), "failures.md")
		cmd := exec.CommandContext(ctx, node, "tour.mjs")
		cmd.Dir = jsTourDir
		cmd.Env = append(os.Environ(),
			"HOOKLINE_URL="+s.URL,
			"HOOKLINE_ADMIN_TOKEN="+s.Token,
			"HOOKLINE_TOUR_WAIT_MS=15000",
			"HOOKLINE_TOUR_REPORT="+report,
		)
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		m := summaryRE.FindSubmatch(out)
		if err != nil || m == nil || string(m[3]) != "0" || string(m[6]) != "0" {
			details, _ := os.ReadFile(report)
			t.Fatalf("node tour.mjs: %v\n%s\n%s", err, out, details)
		}
		t.Logf("%s", m[0])
	})
}

// jsTourNode finds node and checks the tour's packages are installed;
// when either is missing it skips, or fails under HOOKLINE_REQUIRE_JS_TOUR=1.
func jsTourNode(t *testing.T) string {
	t.Helper()
	const how = "install Node.js 20 or later and run `npm ci` in compat/svix-js (.ci/run does both checks and the install)"
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(jsTourDir, "node_modules", "svix", "package.json"))
		if errors.Is(err, os.ErrNotExist) {
			err = errors.New("compat/svix-js/node_modules has no svix package")
		}
	}
	if err != nil {
		if os.Getenv("HOOKLINE_REQUIRE_JS_TOUR") == "1" {
			t.Fatalf("the Svix JavaScript SDK tour cannot run (%v), and HOOKLINE_REQUIRE_JS_TOUR=1: %s", err, how)
		}
		t.Skipf("the Svix JavaScript SDK tour cannot run (%v): %s", err, how)
	}
	return node
}
