// A Go program without cgo: it writes the file its first argument names.
// In a union exec refuses it (tests/edges/unwrapped-go.sh): run, it
// would write through the real directories.
package main

import "os"

func main() {
	if len(os.Args) > 1 {
		if err := os.WriteFile(os.Args[1], []byte("written by Go\n"), 0o644); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
	}
	os.Stdout.WriteString("go program ran\n")
}
