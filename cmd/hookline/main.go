// Command hookline is the Hookline webhook platform in one binary. All of
// its behaviour lives in internal/cli; main only ties it to the process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookline/hookline/internal/cli"
)

func main() {
	// SIGTERM is what container runtimes and systemd send; cancelling the
	// context lets serve drain in-flight deliveries before exiting. A second
	// signal after stop() restores the default and kills the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
