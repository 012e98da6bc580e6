#!/bin/bash
# example-image-layers: examples/image-layers.sh, run as a test of the union command.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
run_example image-layers
