"""Issue 14: 100,000 values in one device line, spread over BENCH_CHANNELS channels (one line of
100,000 one-value channels, or 100 channels of 1,000 values)."""

from benchlib import Connection, device_line, env_int

channels = env_int("BENCH_CHANNELS")
values = 100_000
per_channel = values // channels
measurements = {
    f"c{c}": {"data": [float(c * per_channel + i) for i in range(per_channel)], "unit": "V"} for c in range(channels)
}
conn = Connection()
conn.start_session()
conn.expect(device_line(measurements))
