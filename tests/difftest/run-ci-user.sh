#!/bin/bash
# run-ci-user.sh - the differential tester as the unprivileged user of
# issue 11 (uid 65534 owns the layers and plays the operations): run-ci.sh
# --user, whose header lists its variables (DIFFTEST_USER_SEEDS...).
exec bash "$(dirname "$0")/run-ci.sh" --user
