//go:build !js

package main

import (
	"fmt"
	"os"
	"syscall"
)

// raiseFileLimit raises the soft limit on open files to at least need (up
// to the hard limit): every websocket is a file descriptor. It warns when
// the hard limit is too low.
func raiseFileLimit(need int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur >= uint64(need) {
		return
	}
	lim.Cur = min(max(uint64(need), lim.Cur), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < uint64(need) {
		fmt.Fprintf(os.Stderr, "relayload: open files limited to %d, need %d: raise it with ulimit -n\n", lim.Cur, need)
	}
}
