#!/usr/bin/env bash
# Instructions per lookup, from callgrind (stable on noisy machines).
#
#   benches/scripts/instructions.sh [MIX...]      (default: ingress path_only regex_api grpc)
#   SIZES="10000 100000" LOOKUPS=20000 MODE=uniform|zipf|cold|matchit benches/scripts/instructions.sh
#   BIN=/path/to/an/older/lookups benches/scripts/instructions.sh   (measure another build)
#
# For each mix and size it runs the `lookups` example twice under
# `valgrind --tool=callgrind`: with LOOKUPS lookups and with 0 (same table
# build, compile and warm-up pass), and prints (Ir(LOOKUPS) - Ir(0)) / LOOKUPS.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZES=${SIZES:-"10000 100000"}
LOOKUPS=${LOOKUPS:-20000}
MODE=${MODE:-uniform}
MIXES=("$@")
[ ${#MIXES[@]} -gt 0 ] || MIXES=(ingress path_only regex_api grpc)

command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p gateway-api-benches --example lookups
fi
bin=${BIN:-target/release/examples/lookups}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ir() { # mix n lookups -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" "$3" "$MODE" \
        >/dev/null 2>"$out/log"
    sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}

printf '%-14s %8s %10s %14s\n' mix routes lookups instr/lookup
for mix in "${MIXES[@]}"; do
    for n in $SIZES; do
        base=$(ir "$mix" "$n" 0)
        full=$(ir "$mix" "$n" "$LOOKUPS")
        printf '%-14s %8s %10s %14.1f\n' "$mix" "$n" "$LOOKUPS" \
            "$(echo "($full - $base) / $LOOKUPS" | bc -l)"
    done
done
