#!/usr/bin/env bash
# Runs a command and succeeds only if it exits with the given status:
#   expect-exit.sh STATUS CMD ARGS...
# (lit's `not` accepts any failure; tools here promise exactly 1.)
expected=$1
shift
"$@"
status=$?
if [ "$status" -ne "$expected" ]; then
  echo "expect-exit: '$*' exited with $status, expected $expected" >&2
  exit 1
fi
