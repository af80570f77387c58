package main

import (
	"context"
	"os"
	"runtime/pprof"

	"onboard/internal/cli"
)

func main() {
	f, _ := os.Create("/tmp/cpu.prof")
	pprof.StartCPUProfile(f)
	inv, code, ok := cli.Parse(os.Args[1:], os.Stderr)
	if !ok {
		os.Exit(code)
	}
	c := cli.Run(context.Background(), inv, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	os.Exit(c)
}
