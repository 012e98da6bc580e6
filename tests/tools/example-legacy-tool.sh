#!/bin/bash
# example-legacy-tool: examples/legacy-tool.sh, run as a test of the union command.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
run_example legacy-tool
