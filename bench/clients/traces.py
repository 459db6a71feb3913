"""Scenarios B, D, E: one connection sending the same pre-encoded trace line BENCH_COUNT times.

BENCH_POINTS floats per line, BENCH_FORM json|binary, BENCH_MODE pipelined|rr,
BENCH_WINDOW = most unanswered lines in pipelined mode; BENCH_SETUP_MS (default 0) = a pause after
the session line, before the first trace, as a script setting up its instruments makes.
"""

import os
import time

from benchlib import Connection, env_int, trace_line, write_result

points = env_int("BENCH_POINTS")
count = env_int("BENCH_COUNT")
mode = os.environ["BENCH_MODE"]
# Encoded once, before timing: the client must cost next to nothing per message.
line = trace_line(points, os.environ["BENCH_FORM"])

conn = Connection()
conn.start_session()
time.sleep(env_int("BENCH_SETUP_MS", 0) / 1000)
if mode == "pipelined":
    start, reply_times = conn.pipelined(line, count, env_int("BENCH_WINDOW"))
else:
    start = time.monotonic_ns()
    reply_times = []
    for _ in range(count):
        conn.expect(line)
        reply_times.append(time.monotonic_ns())

end = reply_times[-1]
seconds = (end - start) / 1e9
tenth = max(1, count // 10)
write_result({
    "messages": count,
    "floats": count * points,
    "wire_bytes": count * len(line),
    "line_bytes": len(line),
    "seconds": seconds,
    "messages_per_s": count / seconds,
    "floats_per_s": count * points / seconds,
    "mb_per_s": count * len(line) / seconds / 1e6,
    # Wall µs per message over the first and the last tenth of the replies (scenario E).
    "first10_us": (reply_times[tenth - 1] - start) / tenth / 1e3,
    "last10_us": (end - reply_times[count - tenth - 1]) / tenth / 1e3 if count > tenth else None,
    "last_reply_ns": end,
})
