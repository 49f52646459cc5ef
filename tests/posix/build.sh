#!/bin/sh
# Builds the static POSIX suite binary: tests/posix/out/posix-suite
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/out"
gcc -static -O2 -Wall -Wextra -o "$here/out/posix-suite" "$here/posix-suite.c"
echo "built $here/out/posix-suite"
