"""Shared parts of the benchmark clients (bench/run.mjs starts them; see bench/README.md).

Every client is run twice over: by `rex run` and directly against the baseline servers, so all
settings come from the environment (rex passes its own environment on to the script):
REX_PORT, BENCH_RESULT (where to write the figures as JSON) and the scenario's BENCH_* knobs.
"""

import json
import math
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
from rex_client import binary_trace  # noqa: E402

# Started by a pinned rex (bench/scaling.mjs): the client runs on every core, only rex is pinned.
if os.environ.get("BENCH_UNPIN") == "1":
    os.sched_setaffinity(0, range(os.cpu_count()))

REPLY = b"Device measurements recorded\n"
SESSION_LINE = (
    json.dumps({"info": {"name": "bench", "email": "bench@example.org", "session_name": "bench",
                         "session_description": "rex-daq benchmark"}}) + "\n"
).encode()


def env_int(name, default=None):
    raw = os.environ.get(name)
    if raw is None:
        if default is None:
            raise SystemExit(f"{name} is not set")
        return default
    return int(raw)


def trace_values(points):
    """Full-precision doubles, as a script would get them from an instrument."""
    rng = random.Random(points)
    return [math.sin(i * 0.001) + rng.random() * 1e-3 for i in range(points)]


def device_line(measurements, device="bench"):
    return (json.dumps({"device_name": device, "device_config": {"gate_time": 1000, "averages": 100},
                        "measurements": measurements}) + "\n").encode()


def trace_line(points, form, device="bench"):
    """One Multi trace of one row, as JSON text or in the binary form (SPEC §12)."""
    values = trace_values(points)
    data = [values] if form == "json" else binary_trace([values])
    return device_line({"trace": {"data": data, "unit": "V"}}, device)


def scalar_line(value, device="bench"):
    return device_line({"counts": {"data": [value], "unit": "dimensionless"}}, device)


class Connection:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", env_int("REX_PORT")))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def readline(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("connection closed before a reply")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def request(self, line):
        self.sock.sendall(line)
        return self.readline()

    def expect(self, line):
        reply = self.request(line)
        if reply + b"\n" != REPLY:
            raise SystemExit(f"unexpected reply {reply[:200]!r}")

    def start_session(self):
        # The baselines answer every line alike; only rex's answer means anything here.
        self.request(SESSION_LINE)

    def pipelined(self, line, count, window):
        """Sends `line` `count` times without waiting for replies, at most `window` unanswered.
        Returns (start ns, monotonic ns at which each reply arrived)."""
        slots = threading.Semaphore(window)
        sock = self.sock

        def send():
            for _ in range(count):
                slots.acquire()
                sock.sendall(line)

        reply_times = []
        received = 0
        start = time.monotonic_ns()
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        buffer = bytearray(65536)  # reused: a fresh bytes object per recv costs more than the read
        while len(reply_times) < count:
            size = sock.recv_into(buffer)
            if not size:
                raise SystemExit(f"connection closed after {len(reply_times)} of {count} replies")
            # "Invalid format..." is the only reply with a capital I.
            if buffer.find(b"I", 0, size) != -1:
                raise SystemExit(f"rejected: {bytes(buffer[:size])[:300]!r}")
            received += size
            replies = buffer.count(b"\n", 0, size)
            if replies:
                now = time.monotonic_ns()
                reply_times.extend([now] * replies)
                slots.release(replies)
        sender.join()
        if received != count * len(REPLY):
            raise SystemExit(f"replies were not all {REPLY!r}")
        return start, reply_times


def run_together(work, count):
    """Runs work(0) … work(count - 1) in threads released at once; returns the monotonic ns at
    which they were released and at which the last one ended. A SystemExit in one is raised here."""
    go = threading.Barrier(count + 1)
    failures = []

    def run(k):
        go.wait()
        try:
            work(k)
        except SystemExit as error:
            failures.append(str(error))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    go.wait()
    start = time.monotonic_ns()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return start, time.monotonic_ns()


def write_result(figures):
    with open(os.environ["BENCH_RESULT"], "w") as out:
        json.dump(figures, out)
