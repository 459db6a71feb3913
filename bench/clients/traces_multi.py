"""Scaling of scenario B: BENCH_CONNECTIONS connections at once (threads), each its own device
("dev<k>"), each sending the same pre-encoded BENCH_POINTS-point JSON trace line
BENCH_COUNT / BENCH_CONNECTIONS times, pipelined with at most BENCH_WINDOW unanswered."""

from benchlib import Connection, env_int, run_together, trace_line, write_result

connections = env_int("BENCH_CONNECTIONS")
points = env_int("BENCH_POINTS")
per_connection = max(1, env_int("BENCH_COUNT") // connections)
window = env_int("BENCH_WINDOW")

conns = [Connection() for _ in range(connections)]
conns[0].start_session()
lines = [trace_line(points, "json", f"dev{k}") for k in range(connections)]
ends = [0] * connections


def stream(k):
    _, reply_times = conns[k].pipelined(lines[k], per_connection, window)
    ends[k] = reply_times[-1]


start, _ = run_together(stream, connections)
end = max(ends)
count = per_connection * connections
seconds = (end - start) / 1e9
write_result({
    "messages": count,
    "floats": count * points,
    "wire_bytes": count * len(lines[0]),
    "seconds": seconds,
    "messages_per_s": count / seconds,
    "floats_per_s": count * points / seconds,
    "mb_per_s": count * len(lines[0]) / seconds / 1e6,
    "last_reply_ns": end,
})
