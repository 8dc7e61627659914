#!/usr/bin/env bash
# Proxy benchmark: gwproxy vs nginx vs haproxy (see run.py for what is measured and how).
# Installs what it needs (Debian packages), builds gwproxy in release mode, then runs run.py
# with the arguments given (e.g. --quick, --repeats 5, --skip-callgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
for pair in wrk:wrk h2load:nghttp2-client nginx:nginx-light haproxy:haproxy valgrind:valgrind taskset:util-linux; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if ((${#need[@]})); then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q && $SUDO apt-get install -y -q "${need[@]}"
fi
cargo build --release --locked -p gateway-api-proxy-example --bin gwproxy
exec python3 benches/proxy/run.py "$@"
