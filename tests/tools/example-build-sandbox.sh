#!/bin/bash
# example-build-sandbox: examples/build-sandbox.sh, run as a test of the union command.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
run_example build-sandbox
