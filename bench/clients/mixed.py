"""Scenario C: BENCH_CLIENTS device connections at once (threads), each its own device sending
BENCH_PAIRS pairs of (one scalar line, one BENCH_POINTS trace line), waiting for each reply."""

import threading
import time

from benchlib import Connection, env_int, scalar_line, trace_line, write_result

clients = env_int("BENCH_CLIENTS")
pairs = env_int("BENCH_PAIRS")
points = env_int("BENCH_POINTS")

connections = [Connection() for _ in range(clients)]
connections[0].start_session()
lines = [(scalar_line(1.5, f"dev{k}"), trace_line(points, "json", f"dev{k}")) for k in range(clients)]
go = threading.Barrier(clients + 1)
failures = []


def device(k):
    conn, (scalar, trace) = connections[k], lines[k]
    go.wait()
    try:
        for _ in range(pairs):
            conn.expect(scalar)
            conn.expect(trace)
    except SystemExit as error:
        failures.append(str(error))


threads = [threading.Thread(target=device, args=(k,)) for k in range(clients)]
for thread in threads:
    thread.start()
go.wait()
start = time.monotonic_ns()
for thread in threads:
    thread.join()
end = time.monotonic_ns()
if failures:
    raise SystemExit(failures[0])

messages = clients * pairs * 2
floats = clients * pairs * (1 + points)
wire = clients * pairs * sum(len(line) for line in lines[0])
seconds = (end - start) / 1e9
write_result({
    "messages": messages,
    "floats": floats,
    "wire_bytes": wire,
    "seconds": seconds,
    "messages_per_s": messages / seconds,
    "floats_per_s": floats / seconds,
    "mb_per_s": wire / seconds / 1e6,
    "last_reply_ns": end,
})
