"""rex-daq quick start: a fake cryostat and a fake oscilloscope, no hardware needed.

Run it through rex (rex listens first, then starts the script with REX_PORT set):

    rex run examples/quickstart.py

It takes about 5 seconds: about 3.5 s of its own (15 steps of 0.2 s, then a
20,000-point capture and a fit), plus rex's start and finish. Each step it checks
the pause flag (press `p`/`r` in `rex run -i` or `rex view` to try it), sends the
cryostat's temperature and pressure as scalars and one 1,000-point damped-sine
"scope capture" as a Multi row. At the end it sends a 20,000-point capture in the
binary form and a pass/fail Result from a simple fit of the decay time. The output
file appears in the current directory.
"""

import math
import os
import random
import sys
import time

# Use the client straight from this repository: no install needed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from rex_client import Device, Listener, Result, Session, binary_trace  # noqa: E402

STEPS = 15
STEP_SECONDS = 0.2
TRACE_POINTS = 1_000
SAMPLE_SECONDS = 1e-6  # 1 MS/s scope
TRUE_DECAY_S = 200e-6
RING_HZ = 25e3


def damped_sine(points: int, sample_s: float, noise: float) -> list:
    """A ringdown as a scope would record it: A·exp(-t/tau)·sin(2πft) plus Gaussian noise."""
    return [
        math.exp(-i * sample_s / TRUE_DECAY_S) * math.sin(2 * math.pi * RING_HZ * i * sample_s)
        + random.gauss(0.0, noise)
        for i in range(points)
    ]


def rms(values: list) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))


def fit_decay_time(trace: list, sample_s: float) -> float:
    """Decay time from the RMS of two windows of whole ring periods: rms ∝ exp(-t/tau)."""
    window = int(round(4 / (RING_HZ * sample_s)))  # four periods per window
    early, late = trace[:window], trace[window:2 * window]
    return (window * sample_s) / math.log(rms(early) / rms(late))


def main() -> None:
    print(f"quickstart: talking to rex on port {os.environ.get('REX_PORT', '7676 (default)')}")
    Session(
        name="Quick Start",
        email="quickstart@example.org",
        session_name="Quickstart demo",
        session_description="Fake cryostat and ringdown scope, no hardware",
        meta={"sample": "demo-S1", "operator": os.environ.get("USER", "unknown"), "setup": {"cryostat": "fake", "scope_rate_Hz": 1 / SAMPLE_SECONDS}},
    )

    cryostat = Device("cryostat", {"set_point_K": 4.0, "model": "FakeCryo 3000"})
    scope = Device("scope", {"sample_rate_Hz": 1 / SAMPLE_SECONDS, "record_length": TRACE_POINTS, "channel": "CH1"})
    listener = Listener()

    averaged = [0.0] * TRACE_POINTS
    for step in range(STEPS):
        waited = listener.wait_while_paused(poll_s=0.2, on_pause=lambda: print("quickstart: paused by rex, waiting"))
        if waited:
            print(f"quickstart: resumed after {waited:.1f} s")
        temperature_K = 4.0 + 3.0 * math.exp(-step / 4) + random.gauss(0.0, 0.01)
        pressure_mbar = 1e-6 * (1 + 0.1 * random.random())
        cryostat.measure(temperature=(temperature_K, "K"), pressure=(pressure_mbar, "mbar"))

        trace = damped_sine(TRACE_POINTS, SAMPLE_SECONDS, noise=0.05)
        averaged = [a + t / STEPS for a, t in zip(averaged, trace)]
        # A list of rows is a Multi channel: each row is one whole capture.
        scope.send({"ringdown (V)": ([trace], "V")})
        if (step + 1) % 5 == 0:
            print(f"quickstart: step {step + 1}/{STEPS}, T = {temperature_K:.3f} K")
        time.sleep(STEP_SECONDS)

    # A long record is cheaper in rex-daq's binary form: 8 bytes per value, no number parsing.
    fine = damped_sine(20 * TRACE_POINTS, SAMPLE_SECONDS / 20, noise=0.02)
    scope.send({"ringdown fine (V)": (binary_trace([fine]), "V")})
    print(f"quickstart: sent a {len(fine):,}-point capture in binary form")

    decay_s = fit_decay_time(averaged, SAMPLE_SECONDS)
    lower, upper = 0.8 * TRUE_DECAY_S, 1.2 * TRUE_DECAY_S
    passed = lower <= decay_s <= upper
    Result(
        "ringdown decay time",
        "decay time of the averaged ringdown, from the RMS of two 4-period windows",
        status=passed,
        value=decay_s,
        lower_bound=lower,
        upper_bound=upper,
        meta={"method": "two-window RMS", "traces_averaged": STEPS},
    )
    print(f"quickstart: decay time {decay_s * 1e6:.1f} us ({'pass' if passed else 'FAIL'}); done")


if __name__ == "__main__":
    main()
