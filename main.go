// Command onboard is the Onboard desktop application and its command line: without a
// command it opens the window, with one (see cli.Usage) it runs it and exits.
package main

import (
	// First import: must initialise before Fyne's packages (see its doc).
	"context"
	_ "early/localeenv"
	_ "embed"
	"fmt"
	"os"
	"os/signal"

	"onboard/app"
	"onboard/data"
	"onboard/internal/cli"
	"onboard/internal/lifecycle"
)

// readme is the README the window's Help menu shows.
//
//go:embed README.md
var readme string

func main() {
	os.Exit(run())
}

func run() int {
	inv, code, ok := cli.Parse(os.Args[1:], os.Stderr)
	if !ok {
		return code
	}
	if len(inv.Command) > 0 {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return cli.Run(ctx, inv, os.Stdout, os.Stderr)
	}
	screen := inv.Screen
	if screen == "" {
		screen = os.Getenv("ONBOARD_SCREEN")
	}
	if _, err := app.ScreenIndex(screen); err != nil {
		fmt.Fprintln(os.Stderr, "onboard:", err)
		return cli.ExitUsage
	}
	path, err := cli.ResolveDB(inv.DB)
	if err != nil {
		fmt.Fprintln(os.Stderr, "onboard:", err)
		return cli.ExitFail
	}
	store, err := data.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "onboard:", err)
		return cli.ExitFail
	}
	defer store.Close()
	if err := app.Run(app.Deps{Store: store, Service: lifecycle.New(store), Screen: screen, OpenFile: inv.Open, Readme: readme}); err != nil {
		fmt.Fprintln(os.Stderr, "onboard:", err)
		return cli.ExitFail
	}
	return cli.ExitOK
}
