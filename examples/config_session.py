"""A config-driven experiment, the way rex_utils scripts are written.

The session and each device's settings come from a session config, so the same script
runs different experiments without edits:

    rex run examples/config_session.py                       # the defaults below
    rex run examples/config_session.py --config my_run.toml  # a TOML file ([session.info], [device.<name>])
    rex run examples/config_session.py --config '{"name": "Ada", "email": "ada@lab.org",
        "session_name": "Gain sweep", "session_description": "faster gate",
        "devices": {"daq": {"gate_time_s": 0.02}}}'   # JSON: overrides, deep-merged over the file

rex exports the file as REX_PROVIDED_CONFIG_PATH and the JSON (as TOML) as
REX_PROVIDED_OVERWRITE_PATH; load_session_config() reads both. About a second.
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from rex_client import Device, Listener, Session, load_session_config  # noqa: E402

DEFAULTS = {
    "session": {
        "info": {
            "name": "Config Example",
            "email": "config@example.org",
            "session_name": "Config-driven demo",
            "session_description": "settings from the session config",
            "meta": {"sample": "demo-S2"},
        }
    },
    "device": {"daq": {"gate_time_s": 0.05, "steps": 10, "gain": 2.0}},
}


def main() -> None:
    config = load_session_config(defaults=DEFAULTS)
    session = Session.from_config(config)
    print(f"config_session: session {session.payload['info']['session_name']!r}")

    daq = Device.from_config("daq", config)
    gate_s, gain = float(daq.config["gate_time_s"]), float(daq.config["gain"])
    listener = Listener()
    for step in range(int(daq.config["steps"])):
        listener.wait_while_paused()
        counts = gain * sum(random.random() for _ in range(100))
        daq.send({"counts": (counts, "dimensionless"), "gate time (s)": (gate_s, "s")})
        time.sleep(gate_s)
    print(f"config_session: {daq.acknowledged} steps recorded with gain {gain}")


if __name__ == "__main__":
    main()
