#!/usr/bin/env bash
# Instructions per native validation of the `validate` bench's objects, from callgrind
# (stable on noisy machines).
#
#   benches/scripts/validate_instructions.sh [httproute|gateway...]   (default: both)
#   N=2000 benches/scripts/validate_instructions.sh httproute
#
# Runs the `validate_profile` example under `valgrind --tool=callgrind` with N validations and
# with 0 (same parse, defaulting and first validation) and prints (Ir(N) - Ir(0)) / N.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${N:-1000}
OBJECTS=("$@")
[ ${#OBJECTS[@]} -gt 0 ] || OBJECTS=(httproute gateway)

command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
cargo build --release -q -p gateway-api-benches --example validate_profile
bin=target/release/examples/validate_profile
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ir() { # object n -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" \
        >/dev/null 2>"$out/log"
    sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}

printf '%-10s %8s %16s\n' object runs instr/validation
for o in "${OBJECTS[@]}"; do
    base=$(ir "$o" 0)
    full=$(ir "$o" "$N")
    printf '%-10s %8s %16.0f\n' "$o" "$N" "$(echo "($full - $base) / $N" | bc -l)"
done
