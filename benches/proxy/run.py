#!/usr/bin/env python3
"""Proxy benchmark: gwproxy against nginx and haproxy on one machine, in one run.

Every proxy is pinned to core 0 (`taskset`), the load generators (wrk for HTTP/1.1
keep-alive, h2load for h2c and gRPC unary) and the origin run on core 1. Route tables
of 1 and 10,000 exact-path routes are generated for each proxy in its own configuration
language; requests cycle through the routes. Repeats are interleaved (gwproxy, nginx,
haproxy, gwproxy, ...) so a noisy neighbour hits every proxy alike.

Figures:
* req/s and latency percentiles from wrk (wall clock: noisy on shared machines);
* user-space instructions per request under callgrind (valgrind): the proxy runs under
  callgrind, counters are zeroed after a warm-up, a fixed number of requests is sent and
  the instruction total is divided by it. `perf stat` would be cheaper but hardware counters
  are not available on every machine; callgrind counts are repeatable;
* added p50 latency: wrk with one connection through the proxy minus straight to the origin;
* reload under load (gwproxy only): 3,000 routes written while wrk runs; non-2xx responses
  and the time until the last new route answers 200.

Usage: benches/proxy/run.sh [--quick] [--repeats N] [--skip-callgrind] [--only gwproxy,nginx]
Everything listens on 127.0.0.1; every load run is bounded in time or request count.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import http.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GWPROXY = os.path.join(ROOT, "target", "release", "gwproxy")
PROXY_CORE = "0"
LOAD_CORE = "1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def http_status(port, path, timeout=2.0):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", path, headers={"Host": "bench.local"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except OSError:
        return None


def wait_status(port, path, want=200, timeout=60.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if http_status(port, path) == want:
            return True
        time.sleep(step)
    return False


# ---------------------------------------------------------------- configurations

def gwproxy_config(routes, origin_port, grpc_origin_port):
    docs = [
        """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: bench}
spec: {controllerName: gateway-api-rs.dev/gwproxy}""",
        """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: bench
  listeners: [{name: http, port: 80, protocol: HTTP}]""",
        f"""apiVersion: v1
kind: Service
metadata: {{name: origin, namespace: default}}
spec:
  ports: [{{name: http, port: 80, targetPort: {origin_port}}}]""",
        f"""apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: origin-1
  namespace: default
  labels: {{kubernetes.io/service-name: origin}}
addressType: IPv4
endpoints: [{{addresses: [127.0.0.1], conditions: {{ready: true}}}}]
ports: [{{name: http, port: {origin_port}, protocol: TCP}}]""",
        f"""apiVersion: v1
kind: Service
metadata: {{name: grpc-origin, namespace: default}}
spec:
  ports: [{{name: grpc, port: 80, targetPort: {grpc_origin_port}, appProtocol: kubernetes.io/h2c}}]""",
        f"""apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: grpc-origin-1
  namespace: default
  labels: {{kubernetes.io/service-name: grpc-origin}}
addressType: IPv4
endpoints: [{{addresses: [127.0.0.1], conditions: {{ready: true}}}}]
ports: [{{name: grpc, port: {grpc_origin_port}, protocol: TCP, appProtocol: kubernetes.io/h2c}}]""",
        """apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: default}
spec:
  parentRefs: [{name: bench}]
  hostnames: [grpc.bench.local]
  rules:
  - matches: [{method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho}}]
    backendRefs: [{name: grpc-origin, port: 80}]""",
    ]
    docs += [route_doc(i, "r") for i in range(routes)]
    return "\n---\n".join(docs) + "\n"


def route_doc(i, prefix):
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: {prefix}{i}, namespace: default}}
spec:
  parentRefs: [{{name: bench}}]
  hostnames: [bench.local]
  rules:
  - matches: [{{path: {{type: Exact, value: /{prefix}{i}}}}}]
    backendRefs: [{{name: origin, port: 80}}]"""


def nginx_config(routes, port, h2_port, origin_port, grpc_origin_port, foreground_single, pid):
    locs = "\n".join(
        f"    location = /r{i} {{ proxy_pass http://origin; }}" for i in range(routes)
    )
    head = "daemon off;\nmaster_process off;\n" if foreground_single else "daemon off;\n"
    return f"""{head}worker_processes 1;
pid {pid};
error_log /dev/stderr error;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  upstream origin {{ server 127.0.0.1:{origin_port}; keepalive 256; }}
  upstream grpc_origin {{ server 127.0.0.1:{grpc_origin_port}; keepalive 256; }}
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  server {{
    listen 127.0.0.1:{port};
    listen 127.0.0.1:{h2_port} http2;
    keepalive_requests 1000000;
{locs}
    location /gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/ {{ grpc_pass grpc://grpc_origin; }}
    location / {{ return 404; }}
  }}
}}
"""


def haproxy_config(routes, port, h2_port, origin_port, grpc_origin_port, map_path):
    with open(map_path, "w") as f:
        for i in range(routes):
            f.write(f"/r{i} origin\n")
        f.write("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo grpc\n")
    return f"""global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:{port}
  bind 127.0.0.1:{h2_port} proto h2
  http-request return status 404 unless {{ path,map_str({map_path}) -m found }}
  use_backend %[path,map_str({map_path})]
backend origin
  server o 127.0.0.1:{origin_port}
backend grpc
  server g 127.0.0.1:{grpc_origin_port} proto h2
"""


def origin_config(port, pid):
    return f"""daemon off;
worker_processes 1;
pid {pid};
error_log /dev/stderr error;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  server {{
    listen 127.0.0.1:{port} reuseport;
    keepalive_requests 1000000;
    location / {{ return 200 "ok\\n"; }}
  }}
}}
"""


# ---------------------------------------------------------------- processes

class Proc:
    def __init__(self, argv, core, env=None, name=""):
        self.name = name or argv[0]
        full = ["taskset", "-c", core] + argv if core is not None else argv
        self.p = subprocess.Popen(
            full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
            start_new_session=True,
        )

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


def start_proxy(kind, routes, work, origin_port, grpc_port, callgrind=None):
    """Starts a proxy; returns (Proc, http1_port, h2c_port, config_dir)."""
    port = free_port()
    h2 = free_port()
    prefix = []
    if callgrind:
        # Instrumentation starts off (startup, e.g. compiling 10,000 routes, runs several
        # times faster) and is switched on before the warm-up.
        prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={callgrind}",
                  "--dump-instr=no", "--collect-jumps=no", "--instr-atstart=no"]
    if kind == "gwproxy":
        cfg_dir = os.path.join(work, f"gw-{routes}")
        os.makedirs(cfg_dir, exist_ok=True)
        with open(os.path.join(cfg_dir, "bench.yaml"), "w") as f:
            f.write(gwproxy_config(routes, origin_port, grpc_port))
        argv = prefix + [GWPROXY, "serve", "--config", cfg_dir, "--listen", f"80=127.0.0.1:{port}",
                         "--watch-interval", "10"]
        h2 = port  # one socket serves HTTP/1.1 and h2c prior knowledge
        proc = Proc(argv, PROXY_CORE, name="gwproxy")
        return proc, port, h2, cfg_dir
    if kind == "nginx":
        path = os.path.join(work, f"nginx-{routes}.conf")
        with open(path, "w") as f:
            f.write(nginx_config(routes, port, h2, origin_port, grpc_port, bool(callgrind),
                                 os.path.join(work, f"nginx-{routes}.pid")))
        proc = Proc(prefix + ["nginx", "-p", work, "-c", path], PROXY_CORE, name="nginx")
        return proc, port, h2, None
    if kind == "haproxy":
        path = os.path.join(work, f"haproxy-{routes}.cfg")
        with open(path, "w") as f:
            f.write(haproxy_config(routes, port, h2, origin_port, grpc_port,
                                   os.path.join(work, f"haproxy-{routes}.map")))
        proc = Proc(prefix + ["haproxy", "-db", "-f", path], PROXY_CORE, name="haproxy")
        return proc, port, h2, None
    raise ValueError(kind)


def wrk_script(work, routes):
    path = os.path.join(work, f"paths-{routes}.lua")
    with open(path, "w") as f:
        f.write(f"""local n = {routes}
local i = 0
wrk.headers["Host"] = "bench.local"
request = function()
  i = (i * 7919 + 1) % n
  return wrk.format("GET", "/r" .. i)
end
""")
    return path


def run_wrk(port, script, seconds, conns=64):
    out = subprocess.run(
        ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency",
         "-s", script, f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    res = {"rps": None, "p50_ms": None, "p99_ms": None, "non2xx": 0, "errors": 0}
    for line in out.splitlines():
        s = line.split()
        if line.startswith("Requests/sec:"):
            res["rps"] = float(s[1])
        elif line.strip().startswith("50%"):
            res["p50_ms"] = to_ms(s[1])
        elif line.strip().startswith("99%"):
            res["p99_ms"] = to_ms(s[1])
        elif "Non-2xx or 3xx responses" in line:
            res["non2xx"] = int(s[-1])
        elif line.strip().startswith("Socket errors"):
            res["errors"] = sum(int(x.strip(",")) for x in s if x.strip(",").isdigit())
    return res


def to_ms(v):
    for unit, mult in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * mult
    return float(v)


def run_h2load(port, path, requests, conns=32, grpc_body=None, h1=False):
    authority = "grpc.bench.local" if grpc_body else "bench.local"
    argv = ["taskset", "-c", LOAD_CORE, "h2load", "-n", str(requests), "-c", str(conns), "-m", "10",
            "-H", f":authority: {authority}"]
    if h1:
        argv += ["--h1", "-m", "1"]
    if grpc_body:
        argv += ["-d", grpc_body, "-H", "content-type: application/grpc", "-H", "te: trailers"]
    argv.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
    res = {"rps": None, "ok": 0, "failed": 0}
    for line in out.splitlines():
        s = line.split()
        if line.startswith("finished in"):
            res["rps"] = float(s[3].replace(",", ""))
        elif line.startswith("requests:"):
            res["failed"] = int(s[9]) + int(s[11]) if len(s) > 11 else 0
        elif line.startswith("status codes:"):
            res["ok"] = int(s[2])
    return res


def callgrind_total(path):
    total = None
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return total


def instructions_per_request(kind, routes, work, origin_port, grpc_port, n):
    out = os.path.join(work, f"cg-{kind}-{routes}.out")
    for f in os.listdir(work):
        if f.startswith(f"cg-{kind}-{routes}.out"):
            os.remove(os.path.join(work, f))
    proc, port, _, _ = start_proxy(kind, routes, work, origin_port, grpc_port, callgrind=out)
    try:
        if not wait_port(port, 300) or not wait_status(port, "/r0", timeout=300):
            return None
        subprocess.run(["callgrind_control", "-i", "on", str(proc.p.pid)], capture_output=True,
                       timeout=120)
        run_h2load(port, "/r0", 2000, conns=8, h1=True)  # warm-up (connections, pools)
        subprocess.run(["callgrind_control", "-z", str(proc.p.pid)], capture_output=True, timeout=120)
        r = run_h2load(port, "/r0", n, conns=8, h1=True)
        subprocess.run(["callgrind_control", "-d", str(proc.p.pid)], capture_output=True, timeout=120)
        time.sleep(1)
        dumps = sorted(
            (os.path.join(work, f) for f in os.listdir(work)
             if f.startswith(f"cg-{kind}-{routes}.out") and f != os.path.basename(out)),
            key=os.path.getmtime,
        )
        if not dumps or not r["ok"]:
            return None
        total = callgrind_total(dumps[-1])
        return total / r["ok"] if total else None
    finally:
        proc.stop()


def grpc_body(work):
    path = os.path.join(work, "grpc-empty.bin")
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x00\x00\x00")  # uncompressed, zero-length EchoRequest
    return path


def reload_under_load(work, origin_port, grpc_port):
    proc, port, _, cfg_dir = start_proxy("gwproxy", 1, work, origin_port, grpc_port)
    try:
        if not wait_status(port, "/r0", timeout=60):
            return {"error": "gwproxy did not serve /r0"}
        script = wrk_script(work, 1)
        result = {}

        def writer():
            time.sleep(2.0)
            tmp = os.path.join(work, "extra.yaml.tmp")
            with open(tmp, "w") as f:
                f.write("\n---\n".join(route_doc(i, "x") for i in range(3000)) + "\n")
            t0 = time.time()
            os.rename(tmp, os.path.join(cfg_dir, "extra.yaml"))
            # 5 ms steps: the figure is compared with a 50 ms target.
            ok = wait_status(port, "/x2999", timeout=30, step=0.005)
            result["new_routes_ms"] = (time.time() - t0) * 1000 if ok else None

        import threading
        th = threading.Thread(target=writer)
        th.start()
        w = run_wrk(port, script, 8, conns=32)
        th.join()
        result["requests_non2xx"] = w["non2xx"]
        result["socket_errors"] = w["errors"]
        result["rps"] = w["rps"]
        return result
    finally:
        proc.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="short runs (3 s, 1 repeat)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--skip-callgrind", action="store_true")
    ap.add_argument("--only", default="gwproxy,nginx,haproxy")
    ap.add_argument("--routes", default="1,10000")
    ap.add_argument("--json", help="write raw results here")
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.seconds = 1, 3
    kinds = args.only.split(",")
    route_counts = [int(x) for x in args.routes.split(",")]

    work = tempfile.mkdtemp(prefix="gwproxy-bench-")
    origin_port = free_port()
    with open(os.path.join(work, "origin.conf"), "w") as f:
        f.write(origin_config(origin_port, os.path.join(work, "origin.pid")))
    origin = Proc(["nginx", "-p", work, "-c", os.path.join(work, "origin.conf")], LOAD_CORE, name="origin")
    grpc_port = free_port()
    grpc_origin = Proc([GWPROXY if os.path.exists(GWPROXY) else "true", "echo", "--listen", f"127.0.0.1:{grpc_port}", "--grpc"], LOAD_CORE,
                       name="grpc-origin")
    results = {"http1": {}, "h2c": {}, "grpc": {}, "instructions": {}, "latency": {}, "reload": None}
    try:
        if not wait_port(origin_port):
            sys.exit("origin did not start")
        grpc_ok = wait_port(grpc_port, 20)
        if not grpc_ok:
            print("gRPC origin (gwproxy echo --grpc) did not start: no gRPC figures", file=sys.stderr)
        # Direct-to-origin latency baseline (one connection).
        base = run_wrk(origin_port, wrk_script(work, 1), args.seconds, conns=1)
        results["latency"]["origin"] = base["p50_ms"]
        body = grpc_body(work)
        for routes in route_counts:
            script = wrk_script(work, routes)
            for rep in range(args.repeats):
                for kind in kinds:
                    proc, port, h2, _ = start_proxy(kind, routes, work, origin_port, grpc_port)
                    try:
                        if not wait_port(port, 120) or not wait_status(port, "/r0", timeout=120):
                            print(f"{kind} with {routes} routes did not come up", file=sys.stderr)
                            continue
                        w = run_wrk(port, script, args.seconds)
                        results["http1"].setdefault(f"{kind}/{routes}", []).append(w)
                        h = run_h2load(h2, f"/r{routes // 2}", 20000 * args.seconds // 3)
                        results["h2c"].setdefault(f"{kind}/{routes}", []).append(h)
                        if grpc_ok:
                            g = run_h2load(h2, "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo",
                                           5000 * args.seconds // 3, grpc_body=body)
                            results["grpc"].setdefault(f"{kind}/{routes}", []).append(g)
                        if rep == 0 and routes == route_counts[0]:
                            lat = run_wrk(port, wrk_script(work, 1), args.seconds, conns=1)
                            results["latency"][kind] = lat["p50_ms"]
                    finally:
                        proc.stop()
        if not args.skip_callgrind:
            for routes in route_counts:
                for kind in kinds:
                    results["instructions"][f"{kind}/{routes}"] = instructions_per_request(
                        kind, routes, work, origin_port, grpc_port, 4000 if args.quick else 20000)
        if "gwproxy" in kinds:
            results["reload"] = reload_under_load(work, origin_port, grpc_port)
    finally:
        origin.stop()
        grpc_origin.stop()
    report(results, kinds, route_counts)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    shutil.rmtree(work, ignore_errors=True)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, spec="{:,.0f}"):
    return "n/a" if v is None else spec.format(v)


def report(results, kinds, route_counts):
    print("\n| proxy | routes | HTTP/1.1 req/s (median) | p50 / p99 ms | h2c req/s | gRPC req/s | instr/request |")
    print("|---|---|---|---|---|---|---|")
    for routes in route_counts:
        for kind in kinds:
            key = f"{kind}/{routes}"
            w = results["http1"].get(key, [])
            h = results["h2c"].get(key, [])
            g = results["grpc"].get(key, [])
            print(f"| {kind} | {routes:,} | {fmt(med([x['rps'] for x in w]))} | "
                  f"{fmt(med([x['p50_ms'] for x in w]), '{:.2f}')} / {fmt(med([x['p99_ms'] for x in w]), '{:.2f}')} | "
                  f"{fmt(med([x['rps'] for x in h]))} | {fmt(med([x['rps'] for x in g]))} | "
                  f"{fmt(results['instructions'].get(key))} |")
    lat = results["latency"]
    if lat.get("origin") is not None:
        print("\nadded p50 latency (1 connection, vs. origin directly at "
              f"{lat['origin'] * 1000:.0f} µs):")
        for kind in kinds:
            if lat.get(kind) is not None:
                print(f"  {kind}: {(lat[kind] - lat['origin']) * 1000:.0f} µs")
    for kind in kinds:
        one = med([x["rps"] for x in results["http1"].get(f"{kind}/{route_counts[0]}", [])])
        big = med([x["rps"] for x in results["http1"].get(f"{kind}/{route_counts[-1]}", [])])
        if one and big and len(route_counts) > 1:
            print(f"{kind}: {route_counts[-1]:,}-route table at {big / one:.3f}x the {route_counts[0]}-route req/s")
    if results["reload"] is not None:
        print(f"\nreload under load (3,000 routes added): {json.dumps(results['reload'])}")


if __name__ == "__main__":
    main()
