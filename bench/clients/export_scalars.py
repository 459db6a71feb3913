"""bench/export.mjs --scalars: the scalar-heavy run whose file is exported. BENCH_COUNT lines of
BENCH_CHANNELS one-value channels each, pipelined: a timestamp per value, as a slow-control log."""

import math

from benchlib import Connection, device_line, env_int

channels = env_int("BENCH_CHANNELS")
line = device_line({f"ch{k}": {"data": [math.sin(k + 0.5) * 1e3], "unit": "V"} for k in range(channels)})
conn = Connection()
conn.start_session()
conn.pipelined(line, env_int("BENCH_COUNT"), 8)
