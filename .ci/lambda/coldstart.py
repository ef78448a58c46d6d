#!/usr/bin/env python3
"""Lambda process start to first response, measured locally (toolchain/aws.md §4).

`cargo lambda watch --only-lambda-apis` must already serve the Runtime API on <port>. For each
sample an HTTP request is queued first, then the function binary is spawned; the figure is the
time from spawn to the HTTP response (exec + runtime init + App build + bootstrap + `/next` poll
+ handler + response POST). The process is then stopped, so every sample is a cold start.

    coldstart.py <binary> <port> <samples> <path>    (env: the function's settings)
"""
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time


def sample(binary, port, path):
    result = {}

    def invoke():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/lambda-url/_{path}")
        resp = conn.getresponse()
        resp.read()
        result["status"] = resp.status
        result["done"] = time.perf_counter()

    t = threading.Thread(target=invoke)
    t.start()
    time.sleep(0.2)  # the request is queued in the Runtime API before the process exists
    env = dict(os.environ,
               AWS_LAMBDA_FUNCTION_VERSION="1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
               AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{port}/.rt", AWS_LAMBDA_FUNCTION_NAME="_")
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def watch_ready():
        # The host logs "edgeid-lambda ready" once the App is built and bootstrapped.
        for line in proc.stdout:
            if b"edgeid-lambda ready" in line and "ready" not in result:
                result["ready"] = time.perf_counter()

    reader = threading.Thread(target=watch_ready, daemon=True)
    reader.start()
    t.join(30)
    proc.kill()
    proc.wait()
    if "done" not in result:
        raise SystemExit("no response within 30 s")
    ready = (result["ready"] - start) * 1000 if "ready" in result else float("nan")
    return (result["done"] - start) * 1000, ready, result["status"]


def main():
    binary, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    sample(binary, port, path)  # warm the page cache once
    times, readies, statuses = [], [], set()
    for _ in range(n):
        ms, ready, status = sample(binary, port, path)
        times.append(ms)
        readies.append(ready)
        statuses.add(status)
    print(f"cold start {os.path.basename(binary)} GET {path} (HTTP {sorted(statuses)}), n={n}: "
          f"min {min(times):.2f} ms, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms "
          f"(init incl. bootstrap: median {statistics.median(readies):.2f} ms)")


if __name__ == "__main__":
    main()
