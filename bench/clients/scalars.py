"""Scenario A: BENCH_COUNT one-scalar device lines, each waiting for its reply (as the official
client does); latency is timed around sendall + reading the reply line."""

import math
import time

from benchlib import Connection, env_int, scalar_line, write_result

count = env_int("BENCH_COUNT")
lines = [scalar_line(math.sin(i * 0.01)) for i in range(count)]

conn = Connection()
conn.start_session()
latencies = []
start = time.monotonic_ns()
for line in lines:
    t0 = time.perf_counter_ns()
    conn.expect(line)
    latencies.append(time.perf_counter_ns() - t0)
end = time.monotonic_ns()

latencies.sort()
seconds = (end - start) / 1e9
write_result({
    "messages": count,
    "floats": count,
    "seconds": seconds,
    "messages_per_s": count / seconds,
    "p50_us": latencies[count // 2] / 1e3,
    "p99_us": latencies[min(count - 1, count * 99 // 100)] / 1e3,
    "last_reply_ns": end,
})
