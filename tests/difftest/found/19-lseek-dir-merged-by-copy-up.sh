#!/bin/bash
# lseek(SEEK_END) on a descriptor of a lower directory that a change
# through it (futimens) copied up: the kernel's directory is merged from
# then on, and refuses it (EINVAL); libunion looked only at how it was
# opened.
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/empty' '
open 4 $M/empty rdonly 0
futimens 4 1200044626.0 1200059999.0
lseek 4 0 end
'
