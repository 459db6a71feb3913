"""Scenario C: BENCH_CLIENTS device connections at once (threads), each its own device sending
BENCH_PAIRS pairs of (one scalar line, one BENCH_POINTS trace line), waiting for each reply."""

from benchlib import Connection, env_int, run_together, scalar_line, trace_line, write_result

clients = env_int("BENCH_CLIENTS")
pairs = env_int("BENCH_PAIRS")
points = env_int("BENCH_POINTS")

connections = [Connection() for _ in range(clients)]
connections[0].start_session()
lines = [(scalar_line(1.5, f"dev{k}"), trace_line(points, "json", f"dev{k}")) for k in range(clients)]


def device(k):
    conn, (scalar, trace) = connections[k], lines[k]
    for _ in range(pairs):
        conn.expect(scalar)
        conn.expect(trace)


start, end = run_together(device, clients)

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
