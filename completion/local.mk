# The bash completion of union(1), installed where bash-completion loads
# it from (configure --with-bash-completion-dir), and its test.

if BASH_COMPLETION
dist_bashcompletion_DATA = completion/union
else
EXTRA_DIST += completion/union
endif

TESTS += tests/completion/complete.sh
dist_check_SCRIPTS += tests/completion/complete.sh
