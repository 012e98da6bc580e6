#!/bin/bash
# run-ci-static.sh - the differential tester with its driver built -static,
# so that every operation goes through the seccomp supervisor
# (tools/union-supervise, issue 12), as root then as the user: run-ci.sh
# --static, whose header lists its variables (DIFFTEST_STATIC_SEEDS...).
exec bash "$(dirname "$0")/run-ci.sh" --static
