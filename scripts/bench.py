#!/usr/bin/env python3
"""make bench: load-test the release build on a fresh database.

Starts the server (production mode, demo data seeded beforehand), drives the
pages with wrk, and reports requests/s, p50/p99 latency, the server's peak memory
and the wasm bundle's size raw, gzip and brotli. Results also go to .bench/.
"""

import argparse
import glob
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

PORT = 3300
BASE = f"http://127.0.0.1:{PORT}"
BROWSER_HEADERS = ["Accept: text/html", "Accept-Encoding: gzip, deflate, br"]


def wait_ready(timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not become ready")


def parse_duration_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(path, headers, connections, seconds):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: parse_duration_ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "path": path,
        "requests_per_s": round(rps),
        "p50_ms": round(latency["50"], 2),
        "p99_ms": round(latency["99"], 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def peak_memory_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def wasm_sizes(site_root):
    candidates = [p for p in glob.glob(os.path.join(site_root, "pkg", "*.wasm"))]
    if not candidates:
        return None
    wasm = max(candidates, key=os.path.getmtime)
    raw = open(wasm, "rb").read()
    gz = len(gzip.compress(raw, compresslevel=9))
    br_path = wasm + ".br"
    if os.path.exists(br_path):
        br = os.path.getsize(br_path)
    else:
        br = int(subprocess.run(
            ["node", "-e", "const z=require('zlib'),fs=require('fs');"
             "process.stdout.write(String(z.brotliCompressSync(fs.readFileSync(process.argv[1]),"
             "{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))", wasm],
            capture_output=True, text=True, check=True).stdout)
    return {"file": os.path.basename(wasm), "raw_kb": round(len(raw) / 1024, 1),
            "gzip_kb": round(gz / 1024, 1), "brotli_kb": round(br / 1024, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--site-root", default="target/site")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="xueshi-bench-")
    env = dict(os.environ)
    env.update({
        "XUESHI_DATABASE_URL": f"sqlite://{work}/bench.db",
        "XUESHI_STORAGE_DIR": f"{work}/files",
        "XUESHI_SITE_ROOT": os.path.abspath(args.site_root),
        "XUESHI_LISTEN": f"127.0.0.1:{PORT}",
        "RUST_LOG": "warn",
    })
    subprocess.run([args.bin, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    env.update({"XUESHI_ENV": "production", "XUESHI_SESSION_SECRET": secrets.token_urlsafe(48)})
    server = subprocess.Popen([args.bin, "serve"], env=env)
    results = {"pages": [], "machine_cores": os.cpu_count()}
    try:
        wait_ready()
        for path in ["/", "/news"]:
            run_wrk(path, BROWSER_HEADERS, args.connections, 2)  # warm-up
        for label, headers in [("browser (br/gzip)", BROWSER_HEADERS), ("uncompressed", ["Accept: text/html"])]:
            for path in ["/", "/news"]:
                result = run_wrk(path, headers, args.connections, args.seconds)
                result["encoding"] = label
                results["pages"].append(result)
        results["peak_memory_mb"] = peak_memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)
    results["wasm"] = wasm_sizes(args.site_root)

    print()
    print(f"Xueshi bench — release build, SQLite, {results['machine_cores']} cores, wrk -t2 -c{args.connections} -d{args.seconds}s")
    print(f"{'page':<8}{'encoding':<20}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for r in results["pages"]:
        print(f"{r['path']:<8}{r['encoding']:<20}{r['requests_per_s']:>8}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['non_2xx']:>9}")
    print(f"server peak memory (VmHWM): {results['peak_memory_mb']} MB")
    w = results["wasm"]
    if w:
        print(f"wasm {w['file']}: {w['raw_kb']} KB raw, {w['gzip_kb']} KB gzip, {w['brotli_kb']} KB brotli")
    print("targets: >= 3000 pages/s with p99 <= 20 ms; peak memory <= 150 MB; wasm <= 350 KB brotli")
    os.makedirs(".bench", exist_ok=True)
    with open(".bench/results.json", "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
