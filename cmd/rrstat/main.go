// Command rrstat turns anonymised case exports of rehabilitation and
// reintegration programmes into indicators, charts and spreadsheets.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"rrstat/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
