#!/bin/bash
# chdir-pinned-thread-handler-sleeps: as chdir-pinned-thread-in-handler, but the handler that interrupts the pinned thread between its lookup and its relative mkdir sleeps 0.6 s on its own (tests/prog/pinhandler sleeps).  Before session 18 the chdir's writer, past its 20 ms bound, took the sleeping thread (state S) for one inside its call and moved the real cwd into the lower's copy: the mkdir made its name in the LOWER.  Now a handler run while its thread holds a pin marks the pin's slot (fdtab.c un_cwd_pin_handler), and the writer waits on for a marked pin (to its 2 s cap): the name is made in the old cwd.  As root and as nobody who owns the layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
PIN_HANDLER_MODE=sleeps
. "$(dirname "$0")/chdir-pinned-thread-in-handler.sh"
