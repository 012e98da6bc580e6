# Tests of the union command: shell scenarios named command-what, run by
# `make check` with the environment of tests/integration/local.mk plus
# UNION_CMD, the command under test.  Run one by hand from the build tree:
#   make check TESTS=tests/tools/diff-changes.sh
# or directly:  bash tests/tools/diff-changes.sh

UN_TOOLS_TESTS = \
	tests/tools/run-status.sh \
	tests/tools/run-errors.sh \
	tests/tools/run-env.sh \
	tests/tools/run-temp-upper.sh \
	tests/tools/diff-changes.sh \
	tests/tools/export-layer.sh \
	tests/tools/commit-apply.sh \
	tests/tools/convert-overlay.sh \
	tests/tools/oci-layers-commands.sh \
	tests/tools/upper-options.sh \
	tests/tools/man-pages.sh \
	tests/tools/diff-unsearchable-dir.sh \
	tests/tools/diff-userns-dir.sh

TESTS += $(UN_TOOLS_TESTS)
# A seccomp'd container's refusal of user namespaces (diff-userns-dir.sh).
check_PROGRAMS += tests/prog/nouserns
tests_prog_nouserns_SOURCES = tests/prog/nouserns.c
dist_check_SCRIPTS += $(UN_TOOLS_TESTS) tests/tools/oci-apply.py
EXTRA_DIST += tests/tools/toolslib.sh
AM_TESTS_ENVIRONMENT += \
	UNION_CMD='$(abs_top_builddir)/tools/union'; \
	export UNION_CMD;

# The examples that use the union command run as tests too, each through
# a wrapper on toolslib.sh (the command under test, the sanitizer build's
# runtime and report check).
UN_TOOLS_EXAMPLES = examples/build-sandbox.sh examples/legacy-tool.sh \
	examples/image-layers.sh
UN_TOOLS_EXAMPLE_TESTS = tests/tools/example-build-sandbox.sh \
	tests/tools/example-legacy-tool.sh tests/tools/example-image-layers.sh
TESTS += $(UN_TOOLS_EXAMPLE_TESTS)
dist_check_SCRIPTS += $(UN_TOOLS_EXAMPLE_TESTS)
dist_noinst_SCRIPTS += $(UN_TOOLS_EXAMPLES)
