"""bench/export.mjs: the run whose file is exported. BENCH_COUNT trace lines of BENCH_POINTS
floats each, pipelined (about 19 bytes of TOML per point, plus a timestamp per row)."""

from benchlib import Connection, env_int, trace_line

conn = Connection()
conn.start_session()
conn.pipelined(trace_line(env_int("BENCH_POINTS"), "json"), env_int("BENCH_COUNT"), 8)
