#!/usr/bin/env python3
"""Reload under load only (gwproxy): the `reload_under_load` measurement of run.py, repeated.

gwproxy serves 1 route pinned to core 0 under wrk (32 connections, core 1); 3,000 HTTPRoutes
are written to the watched directory; reported: the time from the file's rename until
`/x2999` answers 200 (`new_routes_ms`), non-2xx responses and socket errors during the run.
With `--edit`, a second step follows while the load continues: the 3,000-route file is
rewritten with one route's path changed, and the time until that path answers 200 is
`changed_route_ms` (the incremental path of a reload).

Usage: benches/proxy/reload.py [--repeats N] [--gwproxy PATH]
Everything listens on 127.0.0.1; every load run is bounded in time.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time

import run


def reload_and_edit(work, origin_port):
    """Like run.reload_under_load, plus one changed route after the 3,000 new ones."""
    proc, port, _, cfg_dir = run.start_proxy("gwproxy", 1, work, origin_port, run.free_port())
    try:
        if not run.wait_status(port, "/r0", timeout=60):
            return {"error": "gwproxy did not serve /r0"}
        script = run.wrk_script(work, 1)
        result = {}

        def write(text):
            tmp = os.path.join(work, "extra.yaml.tmp")
            with open(tmp, "w") as f:
                f.write(text)
            t0 = time.time()
            os.rename(tmp, os.path.join(cfg_dir, "extra.yaml"))
            return t0

        def writer():
            time.sleep(1.0)
            docs = [run.route_doc(i, "x") for i in range(3000)]
            t0 = write("\n---\n".join(docs) + "\n")
            ok = run.wait_status(port, "/x2999", timeout=30, step=0.005)
            result["new_routes_ms"] = (time.time() - t0) * 1000 if ok else None
            time.sleep(1.0)
            docs[1500] = docs[1500].replace("value: /x1500}", "value: /changed}")
            t0 = write("\n---\n".join(docs) + "\n")
            ok = run.wait_status(port, "/changed", timeout=30, step=0.005)
            result["changed_route_ms"] = (time.time() - t0) * 1000 if ok else None

        th = threading.Thread(target=writer)
        th.start()
        w = run.run_wrk(port, script, 8, conns=32)
        th.join()
        result["requests_non2xx"] = w["non2xx"]
        result["socket_errors"] = w["errors"]
        result["rps"] = w["rps"]
        return result
    finally:
        proc.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gwproxy", default=run.GWPROXY, help="the gwproxy binary to measure")
    ap.add_argument("--edit", action="store_true", help="also time one changed route")
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
            if args.edit:
                r = reload_and_edit(work, origin_port)
            else:
                r = run.reload_under_load(work, origin_port, run.free_port())
            print(f"run {i + 1}: {r}", flush=True)
    finally:
        origin.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
