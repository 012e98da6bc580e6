# san_report.sh - sourced by tests/lib.sh and tests/difftest/found/lib.sh:
# the lines by which a sanitizer build's report shows in a process's
# output (ASan's and UBSan's, a failed check, a runtime loaded out of
# order), for the checks that look at what a process said rather than
# at its status (86, ASAN_OPTIONS' and UBSAN_OPTIONS' exitcode).
UN_SAN_REPORT_RE='ERROR: [A-Za-z]+Sanitizer|runtime error:|Sanitizer: CHECK failed|ASan runtime does not come first'
