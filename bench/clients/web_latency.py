"""Client of bench/web-latency.mjs: paced lines, each marked with its sequence number, and the
wall-clock time (time.time_ns(), the page's clock too) at which the reply to each came.

Device "bench": channel "seq" (the line's sequence number k, a scalar) and, with BENCH_KIND=trace,
"trace" (BENCH_POINTS points, the same row every time) in the same line, so the page shows k
beside the trace it came with. One warm-up line (k = -1) goes at once; the paced lines
(BENCH_RATE a second for BENCH_SECONDS, k = 0, 1, ...) start once the file BENCH_GO exists.
After the last one the script waits BENCH_LINGER seconds, so the page can draw it, then writes
{"acks_ns": [...], "late_ms": ...} to BENCH_RESULT.
"""

import json
import os
import time

from benchlib import Connection, env_int, trace_values, write_result

KIND = os.environ.get("BENCH_KIND", "scalar")
RATE = env_int("BENCH_RATE")
COUNT = RATE * env_int("BENCH_SECONDS")
MARK = "@SEQ@"

measurements = {"seq": {"data": [MARK], "unit": "1"}}
if KIND == "trace":
    measurements["trace"] = {"data": [trace_values(env_int("BENCH_POINTS"))], "unit": "V"}
# Encoded once: only the number changes from line to line.
head, tail = json.dumps({"device_name": "bench", "device_config": {}, "measurements": measurements}).split(f'"{MARK}"')


def line(k):
    return f"{head}{k}{tail}\n".encode()


conn = Connection()
conn.start_session()
conn.expect(line(-1))
while not os.path.exists(os.environ["BENCH_GO"]):
    time.sleep(0.02)

acks = []
late = 0.0
start = time.monotonic()
for k in range(COUNT):
    # Paced from the start: a line that falls behind goes at once (the schedule is kept).
    delay = start + k / RATE - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    else:
        late = max(late, -delay)
    conn.expect(line(k))
    acks.append(time.time_ns())
seconds = time.monotonic() - start
time.sleep(float(os.environ.get("BENCH_LINGER", "1.5")))
write_result({"acks_ns": acks, "seconds": seconds, "late_ms": late * 1e3})
