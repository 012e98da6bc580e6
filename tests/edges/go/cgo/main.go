// A Go program with cgo: dynamically linked against libc, yet its file
// calls are the Go runtime's own system calls, which LD_PRELOAD never
// sees.  It writes the file its first argument names.
package main

// #include <stdlib.h>
// static int cgo_answer(void) { return atoi("42"); }
import "C"

import "os"

func main() {
	if C.cgo_answer() != 42 {
		os.Exit(2)
	}
	if len(os.Args) > 1 {
		if err := os.WriteFile(os.Args[1], []byte("written by Go\n"), 0o644); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
	}
	os.Stdout.WriteString("go program ran\n")
}
