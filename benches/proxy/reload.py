#!/usr/bin/env python3
"""Reload under load only (gwproxy): the `reload_under_load` measurement of run.py, repeated.

gwproxy serves 1 route pinned to core 0 under wrk (32 connections, core 1); 3,000 HTTPRoutes
are written to the watched directory; reported: the time from the file's rename until
`/x2999` answers 200 (`new_routes_ms`), non-2xx responses and socket errors during the run.

Usage: benches/proxy/reload.py [--repeats N] [--gwproxy PATH]
Everything listens on 127.0.0.1; every load run is bounded in time.
"""

import argparse
import os
import shutil
import sys
import tempfile

import run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gwproxy", default=run.GWPROXY, help="the gwproxy binary to measure")
    args = ap.parse_args()
    run.GWPROXY = os.path.abspath(args.gwproxy)
    work = tempfile.mkdtemp(prefix="gwproxy-reload-")
    origin_port = run.free_port()
    with open(os.path.join(work, "origin.conf"), "w") as f:
        f.write(run.origin_config(origin_port, os.path.join(work, "origin.pid")))
    origin = run.Proc(["nginx", "-p", work, "-c", os.path.join(work, "origin.conf")], run.LOAD_CORE,
                      name="origin")
    try:
        if not run.wait_port(origin_port):
            sys.exit("origin did not start")
        for i in range(args.repeats):
            # A fresh configuration directory each time (start_proxy reuses gw-1).
            shutil.rmtree(os.path.join(work, "gw-1"), ignore_errors=True)
            r = run.reload_under_load(work, origin_port, run.free_port())
            print(f"run {i + 1}: {r}", flush=True)
    finally:
        origin.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
