"""rex_client: a small, dependency-free client for rex / rex-daq experiment scripts.

rex starts your script with ``REX_PORT`` set and listens on that port. The script
streams newline-delimited JSON to it; every line gets exactly one reply line
(docs/protocol.md has the wire format). This module wraps that in a few objects:

    from rex_client import Session, Device, Listener, Result

    Session("Jane", "jane@lab.org", "Run 7", "cool-down", meta={"sample": "S1"})
    cryo = Device("cryostat", {"set_point_K": 4.0})
    listener = Listener()
    for step in range(100):
        listener.wait_while_paused()
        cryo.measure(temperature=(read_temperature(), "K"))
    Result("base temperature", "reached 4 K", status=True, value=4.01, upper_bound=4.1)

Standard library only (Python 3.8+). numpy arrays are accepted when numpy is
installed; it is never imported by this module. Copy it next to your script if you
prefer that to a sys.path entry (on Python < 3.11 without tomli, load_session_config
also needs rex_toml_lite.py from the same folder).
"""

from __future__ import annotations

import array
import base64
import copy
import datetime
import json
import logging
import numbers
import os
import socket
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, NoReturn, Optional, Tuple, Union

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PORT",
    "COMMANDS",
    "RexError",
    "RexConnectionError",
    "RexRejectedError",
    "RexConfigError",
    "Connection",
    "encode_message",
    "Session",
    "Device",
    "Listener",
    "Result",
    "send_command",
    "get_state",
    "get_datastream",
    "binary_trace",
    "decode_binary_trace",
    "utc_timestamp",
    "rex_port",
    "run_uuid",
    "store_dir",
    "load_session_config",
    "session_info",
    "device_config",
]

DEFAULT_PORT = 7676
DEFAULT_HOST = "127.0.0.1"
#: Seconds to wait for connecting; rex listens before it starts the script.
DEFAULT_CONNECT_TIMEOUT_S = 5.0
#: Seconds allowed for sending one message, and again for its reply. None waits forever
#: (pass timeout=None when sending very large messages over a slow link).
DEFAULT_TIMEOUT_S = 60.0
COMMANDS = ("GET_DATASTREAM", "STATE", "PAUSE_STATE", "RESUME_STATE", "KILL")
LISTENER_NAME = "Session Listener"
INVALID_REPLY_PREFIX = "Invalid format"

_log = logging.getLogger("rex_client")

Values = Any  # a number, a flat sequence, a sequence of rows, a numpy array or a binary_trace() dict
ChannelSpec = Union[Tuple[Values, str], Mapping[str, Any]]


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class RexError(Exception):
    """Base class of every error this module raises on purpose."""


class RexConnectionError(RexError):
    """rex is not reachable, or the connection broke (rex stopped, or the run ended)."""


class RexRejectedError(RexError):
    """rex answered ``Invalid format`` (optionally ``Invalid format: <reason>``).

    The connection stays usable: rex rejects the line, not the client.
    """

    def __init__(self, reply: str, line_preview: str = ""):
        self.reply = reply
        self.reason = reply[len(INVALID_REPLY_PREFIX):].lstrip(": ").strip() or None
        detail = f" (sent: {line_preview})" if line_preview else ""
        super().__init__(f"rex rejected the message: {reply}{detail}")


class RexConfigError(RexError):
    """A session config file could not be read or parsed."""


# --------------------------------------------------------------------------------------------
# Environment set by `rex run`
# --------------------------------------------------------------------------------------------


def rex_port() -> int:
    """The port rex listens on: ``REX_PORT``, else 7676."""
    raw = os.environ.get("REX_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        raise RexConnectionError(f"REX_PORT={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise RexConnectionError(f"REX_PORT={raw!r} is out of range")
    return port


def run_uuid() -> Optional[str]:
    """The run's UUID (``REX_UUID``), or None outside rex."""
    return os.environ.get("REX_UUID") or None


def store_dir() -> Optional[str]:
    """The run's store directory (``REX_STORE``; holds the live ``rex.toml``), or None."""
    return os.environ.get("REX_STORE") or None


# --------------------------------------------------------------------------------------------
# Connection: one socket, one request/reply at a time
# --------------------------------------------------------------------------------------------


def _json_default(obj: Any) -> Any:
    """Make common non-JSON types usable in configs and meta (numpy, datetimes, paths)."""
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, array.array):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, numbers.Real):
        return float(obj)
    raise TypeError(f"{type(obj).__name__} cannot be sent to rex (messages are JSON)")


def encode_message(message: Mapping[str, Any]) -> bytes:
    """One JSON line, newline included. NaN and ±Infinity are written as the tokens
    ``NaN``/``Infinity``/``-Infinity``, which rex-daq accepts."""
    text = json.dumps(message, separators=(",", ":"), allow_nan=True, default=_json_default)
    return text.encode("utf-8") + b"\n"


class Connection:
    """A long-lived TCP connection to rex with line-based replies.

    ``request`` sends one line and returns the one reply line. Thread-safe: concurrent
    requests on one connection are serialised (rex answers in order).
    """

    def __init__(
        self,
        port: Optional[int] = None,
        host: str = DEFAULT_HOST,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
    ):
        self.port = rex_port() if port is None else int(port)
        self._port_from_env = port is None
        self.host = host
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        try:
            sock = socket.create_connection((host, self.port), timeout=connect_timeout)
        except ConnectionRefusedError:
            raise RexConnectionError(self._not_listening_message()) from None
        except socket.timeout:
            raise RexConnectionError(
                f"timed out connecting to rex at {self._where()} after {connect_timeout} s"
            ) from None
        except OSError as err:
            raise RexConnectionError(f"cannot connect to rex at {self._where()}: {err}") from None
        sock.settimeout(timeout)
        # Small request/reply lines: don't let Nagle hold them back.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        _log.debug("connected to rex at %s", self._where())

    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _not_listening_message(self) -> str:
        env = os.environ.get("REX_PORT")
        if not self._port_from_env:
            origin = "the port given to rex_client"
        else:
            origin = f"REX_PORT={env}" if env else f"REX_PORT is not set, so the default {DEFAULT_PORT}"
        script = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else "script.py"
        return (
            f"rex is not listening on {self._where()} ({origin}). Start the script through rex "
            f"(`rex run {script}`), which sets REX_PORT, or point it at a running rex."
        )

    @property
    def closed(self) -> bool:
        return self._sock is None

    def request(self, line: Union[str, bytes], check: bool = True) -> str:
        """Send one line (a newline is added if missing) and return rex's reply line.

        With ``check`` (the default) an ``Invalid format`` reply raises RexRejectedError.
        """
        data = line.encode("utf-8") if isinstance(line, str) else bytes(line)
        if not data.endswith(b"\n"):
            data += b"\n"
        if b"\n" in data[:-1]:
            raise ValueError("a request must be a single line")
        with self._lock:
            sock = self._require_open()
            try:
                sock.sendall(data)
            except socket.timeout:
                self._fail(f"rex at {self._where()} stopped reading (send timed out)")
            except OSError as err:
                self._fail(f"lost the connection to rex at {self._where()} while sending: {err}")
            reply = self._read_line(sock)
        if check and reply.startswith(INVALID_REPLY_PREFIX):
            preview = data[:120].decode("utf-8", "replace").rstrip("\n")
            raise RexRejectedError(reply, preview + ("..." if len(data) > 121 else ""))
        return reply

    def send_json(self, message: Mapping[str, Any], check: bool = True) -> str:
        """Encode ``message`` as one JSON line, send it, return the reply."""
        return self.request(encode_message(message), check=check)

    def _require_open(self) -> socket.socket:
        if self._sock is None:
            raise RexConnectionError(f"the connection to rex at {self._where()} is closed")
        return self._sock

    def _read_line(self, sock: socket.socket) -> str:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                raw = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                return raw.decode("utf-8", "replace").rstrip("\r")
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                self._fail(f"no reply from rex at {self._where()} within {sock.gettimeout()} s")
            except OSError as err:
                self._fail(f"lost the connection to rex at {self._where()}: {err}")
            if not chunk:
                self._fail(
                    f"rex at {self._where()} closed the connection before replying "
                    "(the run has ended or rex stopped)"
                )
            self._buffer += chunk

    def _fail(self, message: str) -> NoReturn:
        # After a timeout or a broken pipe the reply stream is out of step: never reuse it.
        self.close()
        raise RexConnectionError(message)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _send_once(
    message: Union[Mapping[str, Any], str],
    connection: Optional[Connection],
    port: Optional[int],
    host: str,
    timeout: Optional[float],
) -> str:
    """Send on ``connection`` if given, else on a short-lived connection of its own."""
    def send(conn: Connection) -> str:
        if isinstance(message, str):
            return conn.request(message)
        return conn.send_json(message)

    if connection is not None:
        return send(connection)
    with Connection(port=port, host=host, timeout=timeout) as conn:
        return send(conn)


# --------------------------------------------------------------------------------------------
# Measurement values: numbers, rows, numpy, binary float64
# --------------------------------------------------------------------------------------------


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _is_row(x: Any) -> bool:
    if isinstance(x, (list, tuple, array.array)):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray)


def _numbers(seq: Any, what: str) -> List[Union[int, float]]:
    """A flat list of plain int/float; TypeError naming the first bad value."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(seq, np.ndarray):
        if seq.ndim != 1 or seq.dtype.kind not in "fiu":
            raise TypeError(f"{what}: expected a 1-D numeric array, got {seq.ndim}-D {seq.dtype}")
        return seq.tolist()
    if isinstance(seq, array.array):
        if seq.typecode in ("u", "w"):
            raise TypeError(f"{what}: a character array is not numeric")
        return seq.tolist()
    items = seq if type(seq) is list else list(seq)
    kinds = set(map(type, items))
    if kinds <= {float, int}:  # the common case, checked at C speed
        return items
    out: List[Union[int, float]] = []
    for index, x in enumerate(items):
        if not _is_number(x):
            raise TypeError(f"{what}: value #{index} is {x!r}; rex accepts only numbers")
        out.append(x if type(x) in (int, float) else float(x))
    return out


def _wire_data(values: Values, what: str, binary_min_values: Optional[int]) -> Any:
    """The ``data`` of one measurement: [x, ...] (Single), [[...], ...] (Multi) or binary."""
    if isinstance(values, Mapping):
        if "f64" in values and "shape" in values:
            return dict(values)
        raise TypeError(f"{what}: a mapping as data must come from binary_trace()")
    if _is_number(values):
        return [values if type(values) in (int, float) else float(values)]
    if isinstance(values, (str, bytes, bytearray, bool)) or values is None:
        raise TypeError(f"{what}: expected numbers, got {type(values).__name__}")
    np = sys.modules.get("numpy")
    if np is not None and isinstance(values, np.ndarray):
        if values.dtype.kind not in "fiu":
            raise TypeError(f"{what}: expected a numeric array, got dtype {values.dtype}")
        if values.ndim == 0:
            return [values.item()]
        if values.ndim > 2:
            raise ValueError(f"{what}: arrays must be 1-D (Single) or 2-D (Multi rows)")
        if binary_min_values is not None and values.size >= binary_min_values:
            return binary_trace(values)
        return values.tolist()
    try:
        items = values.tolist() if isinstance(values, array.array) else list(values)
    except TypeError:
        raise TypeError(f"{what}: expected numbers, got {type(values).__name__}") from None
    if not items:
        return []
    if _is_row(items[0]):
        rows = []
        for index, row in enumerate(items):
            if not _is_row(row):
                raise TypeError(f"{what}: element #{index} is not a row; don't mix rows and numbers")
            rows.append(_numbers(row, f"{what} row #{index}"))
        rectangular = all(len(row) == len(rows[0]) for row in rows)
        if binary_min_values is not None and rectangular and len(rows) * len(rows[0]) >= binary_min_values:
            return binary_trace(rows)
        return rows
    flat = _numbers(items, what)
    if binary_min_values is not None and len(flat) >= binary_min_values:
        return binary_trace(flat)
    return flat


def binary_trace(values: Values) -> Dict[str, Any]:
    """Encode numbers as rex-daq's binary form: ``{"f64": <base64>, "shape": [n]}`` for a flat
    array (Single) or ``[rows, cols]`` for rows of equal length (Multi).

    Little-endian float64, so NaN and ±Inf survive bit for bit and rex skips number parsing:
    use it for long traces (about 10.7 bytes per value instead of ~19). Accepts numpy arrays,
    ``array.array`` and sequences. A rex-daq extension: the original rex does not accept it.
    """
    np = sys.modules.get("numpy")
    if np is not None and isinstance(values, np.ndarray):
        if values.dtype.kind not in "fiu":
            raise TypeError(f"binary_trace: expected a numeric array, got dtype {values.dtype}")
        if values.ndim not in (1, 2):
            raise ValueError("binary_trace: arrays must be 1-D or 2-D")
        packed = np.ascontiguousarray(values, dtype="<f8")
        return {"f64": base64.b64encode(packed.tobytes()).decode("ascii"), "shape": list(packed.shape)}
    items = values.tolist() if isinstance(values, array.array) else list(values)
    buffer = array.array("d")
    if items and _is_row(items[0]):
        rows = [_numbers(row, f"binary_trace row #{i}") for i, row in enumerate(items)]
        cols = len(rows[0])
        if any(len(row) != cols for row in rows):
            raise ValueError("binary_trace: rows must all have the same length (send ragged rows as JSON)")
        for row in rows:
            buffer.extend(row)
        shape = [len(rows), cols]
    else:
        buffer.extend(_numbers(items, "binary_trace"))
        shape = [len(buffer)]
    if sys.byteorder == "big":
        buffer.byteswap()
    return {"f64": base64.b64encode(buffer.tobytes()).decode("ascii"), "shape": shape}


def decode_binary_trace(encoded: Mapping[str, Any]) -> Union[List[float], List[List[float]]]:
    """The inverse of binary_trace(): a flat list, or a list of rows."""
    buffer = array.array("d")
    buffer.frombytes(base64.b64decode(encoded["f64"]))
    if sys.byteorder == "big":
        buffer.byteswap()
    shape = list(encoded["shape"])
    expected = shape[0] if len(shape) == 1 else shape[0] * shape[1]
    if len(shape) not in (1, 2) or expected != len(buffer):
        raise ValueError(f"shape {shape} does not match {len(buffer)} values")
    flat = buffer.tolist()
    if len(shape) == 1:
        return flat
    cols = shape[1]
    return [flat[i * cols:(i + 1) * cols] for i in range(shape[0])]


def utc_timestamp(when: Union[None, float, datetime.datetime] = None) -> str:
    """An RFC 3339 UTC timestamp in rex's own format, e.g. ``2026-01-16T06:35:32.423257Z``
    (up to nanoseconds, trailing zeros trimmed). ``when``: None (now), seconds since the
    epoch, or a datetime (a naive one is taken as UTC)."""
    if when is None:
        seconds, nanos = divmod(time.time_ns(), 1_000_000_000)
    elif isinstance(when, datetime.datetime):
        aware = when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)
        utc = aware.astimezone(datetime.timezone.utc)
        seconds = int(utc.replace(microsecond=0).timestamp())
        nanos = utc.microsecond * 1000
    else:
        seconds, nanos = divmod(round(float(when) * 1e9), 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


# --------------------------------------------------------------------------------------------
# The message objects
# --------------------------------------------------------------------------------------------


def _require_str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {type(value).__name__}")
    return value


def _require_bool(value: Any, field: str) -> bool:
    # numpy's bool is not a bool subclass, but comparing numpy values yields one.
    np = sys.modules.get("numpy")
    if isinstance(value, bool) or (np is not None and isinstance(value, np.bool_)):
        return bool(value)
    raise TypeError(f"{field} must be True or False, got {value!r}")


def _require_mapping(value: Any, field: str) -> Dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{field} must be a dict, got {type(value).__name__}")
    return dict(value)


class Session:
    """Describe the run: who, what, and free-form ``meta``. Constructing one sends it.

    rex keeps the first session of a run; later ones get the same reply and are ignored.
    ``general.validations`` in rex's config can require keys in ``meta``.
    """

    def __init__(
        self,
        name: str,
        email: str,
        session_name: str,
        session_description: str,
        meta: Optional[Mapping[str, Any]] = None,
        *,
        port: Optional[int] = None,
        host: str = DEFAULT_HOST,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        connection: Optional[Connection] = None,
    ):
        info: Dict[str, Any] = {
            "name": _require_str(name, "name"),
            "email": _require_str(email, "email"),
            "session_name": _require_str(session_name, "session_name"),
            "session_description": _require_str(session_description, "session_description"),
        }
        if meta is not None:
            info["meta"] = _require_mapping(meta, "meta")
        self.payload: Dict[str, Any] = {"info": info}
        self.reply = _send_once(self.payload, connection, port, host, timeout)

    @classmethod
    def from_config(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        meta: Optional[Mapping[str, Any]] = None,
        **send_options: Any,
    ) -> "Session":
        """Send the session described by a session config (``[session.info]``, as read by
        load_session_config(); loaded from the environment when ``config`` is None).
        ``meta`` is merged over the config's ``[session.info.meta]``."""
        info = session_info(load_session_config() if config is None else config)
        merged_meta = dict(info.get("meta") or {})
        merged_meta.update(meta or {})
        return cls(
            info["name"],
            info["email"],
            info["session_name"],
            info["session_description"],
            merged_meta or None,
            **send_options,
        )


class Device:
    """One instrument. Owns a long-lived connection; each ``measure``/``send`` is one message
    (one acquisition step) and waits for rex's acknowledgement.

    ``config`` is stored with the device (rex keeps the first message's config).
    ``binary_min_values``: encode any array with at least that many values in the binary
    form (rex-daq only); None (default) always sends JSON numbers.
    """

    def __init__(
        self,
        name: str,
        config: Optional[Mapping[str, Any]] = None,
        *,
        port: Optional[int] = None,
        host: str = DEFAULT_HOST,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        binary_min_values: Optional[int] = None,
        connection: Optional[Connection] = None,
    ):
        self.name = _require_str(name, "device name")
        self.config = _require_mapping(config or {}, "device config")
        self.binary_min_values = binary_min_values
        self.acknowledged = 0  # messages rex has confirmed
        self._connection = connection or Connection(port=port, host=host, timeout=timeout)

    @classmethod
    def from_config(cls, name: str, config: Optional[Mapping[str, Any]] = None, **options: Any) -> "Device":
        """A device whose config is ``[device.<name>]`` of the session config."""
        return cls(name, device_config(load_session_config() if config is None else config, name), **options)

    def measure(self, **channels: ChannelSpec) -> str:
        """``dev.measure(temperature=(4.2, "K"), trace=(samples, "V"))``; names must be
        identifiers: use ``send`` for names like ``"current (mA)"``."""
        return self.send(channels)

    def send(
        self,
        channels: Mapping[str, ChannelSpec],
        timestamps: Union[None, bool, Mapping[str, Any]] = None,
    ) -> str:
        """Send one step. ``channels`` maps a channel name to ``(values, unit)`` where values is
        a number, a flat sequence (Single), a sequence of rows (Multi: one trace per row), a
        numpy array (1-D or 2-D) or a binary_trace() dict.

        ``timestamps``: None (rex stamps the arrival time), True (stamp every channel with the
        current UTC time here), or ``{channel: timestamp or [timestamps]}`` with one entry per
        value (Single) or per row (Multi), or one for the whole message.
        """
        message = self.message(channels, timestamps)
        reply = self._connection.send_json(message)
        self.acknowledged += 1
        return reply

    def message(
        self,
        channels: Mapping[str, ChannelSpec],
        timestamps: Union[None, bool, Mapping[str, Any]] = None,
    ) -> Dict[str, Any]:
        """The wire message ``send`` would send (useful for logging or tests)."""
        measurements: Dict[str, Any] = {}
        for channel, spec in channels.items():
            measurements[_require_str(channel, "channel name")] = self._measurement(channel, spec)
        message: Dict[str, Any] = {
            "device_name": self.name,
            "device_config": self.config,
            "measurements": measurements,
        }
        stamps = _timestamps(timestamps, measurements)
        if stamps:
            message["timestamps"] = stamps
        return message

    def _measurement(self, channel: str, spec: ChannelSpec) -> Dict[str, Any]:
        what = f"{self.name}.{channel}"
        extra: Dict[str, Any] = {}
        if isinstance(spec, Mapping):
            if "data" not in spec or "unit" not in spec:
                raise TypeError(f"{what}: a channel dict needs 'data' and 'unit'")
            values, unit = spec["data"], spec["unit"]
            if spec.get("timestamps") is not None:
                extra["timestamps"] = _timestamp_list(spec["timestamps"], what)
        elif isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[1], str):
            values, unit = spec
        else:
            raise TypeError(f"{what}: expected a (values, unit) pair with a string unit, got {spec!r:.80}")
        measurement = {"data": _wire_data(values, what, self.binary_min_values), "unit": _require_str(unit, f"{what} unit")}
        measurement.update(extra)
        return measurement

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _timestamp_list(value: Any, what: str) -> List[str]:
    if isinstance(value, (str, datetime.datetime)):
        value = [value]
    stamps = []
    for stamp in value:
        if isinstance(stamp, datetime.datetime):
            stamps.append(utc_timestamp(stamp))
        elif isinstance(stamp, str):
            stamps.append(stamp)
        else:
            raise TypeError(f"{what}: timestamps must be strings or datetimes")
    return stamps


def _timestamps(requested: Union[None, bool, Mapping[str, Any]], measurements: Mapping[str, Any]) -> Dict[str, List[str]]:
    if requested is None or requested is False:
        return {}
    if requested is True:
        now = utc_timestamp()
        return {channel: [now] for channel in measurements}
    unknown = [channel for channel in requested if channel not in measurements]
    if unknown:
        raise ValueError(f"timestamps given for channels not in this message: {unknown}")
    return {channel: _timestamp_list(value, channel) for channel, value in requested.items()}


class Listener:
    """Asks rex whether the run is paused (``PAUSE_STATE`` / ``RESUME_STATE`` from the TUI,
    ``rex view`` or HTTP). Pausing is cooperative: call ``wait_while_paused`` between steps."""

    def __init__(
        self,
        *,
        port: Optional[int] = None,
        host: str = DEFAULT_HOST,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        id: Optional[str] = None,
        connection: Optional[Connection] = None,
    ):
        # rex ignores the id's content (it must be a string); the run UUID is a natural choice.
        self.id = id or run_uuid() or "rex_client"
        self._connection = connection or Connection(port=port, host=host, timeout=timeout)

    def state(self) -> str:
        """``"Running"`` or ``"Paused"``."""
        reply = self._connection.send_json({"name": LISTENER_NAME, "id": self.id})
        if reply not in ("Running", "Paused"):
            raise RexError(f"unexpected Listener reply from rex: {reply!r}")
        return reply

    def is_paused(self) -> bool:
        return self.state() == "Paused"

    def wait_while_paused(self, poll_s: float = 1.0, on_pause: Optional[Callable[[], None]] = None) -> float:
        """Return at once when running; otherwise poll every ``poll_s`` seconds until resumed.
        ``on_pause`` is called once when a pause is first seen. Returns the seconds waited."""
        if self.state() == "Running":
            return 0.0
        if on_pause is not None:
            on_pause()
        started = time.monotonic()
        while True:
            time.sleep(poll_s)
            if self.state() == "Running":
                return time.monotonic() - started

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Result:
    """A named outcome of the run (a fit, a check). Constructing one sends it; a later result
    with the same ``name`` replaces it. Bounds and value are optional."""

    def __init__(
        self,
        name: str,
        description: str,
        status: bool,
        value: Optional[float] = None,
        lower_bound: Optional[float] = None,
        upper_bound: Optional[float] = None,
        meta: Optional[Mapping[str, Any]] = None,
        *,
        port: Optional[int] = None,
        host: str = DEFAULT_HOST,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        connection: Optional[Connection] = None,
    ):
        payload: Dict[str, Any] = {
            "result_name": _require_str(name, "result name"),
            "result_description": _require_str(description, "result description"),
            "result_status": _require_bool(status, "result status"),
        }
        for field, number in (
            ("result_value", value),
            ("result_lower_bound", lower_bound),
            ("result_upper_bound", upper_bound),
        ):
            if number is not None:
                if not _is_number(number):
                    raise TypeError(f"{field} must be a number, got {number!r}")
                payload[field] = float(number)
        if meta is not None:
            payload["result_meta"] = _require_mapping(meta, "result meta")
        self.payload = payload
        self.reply = _send_once(payload, connection, port, host, timeout)


def send_command(
    command: str,
    *,
    port: Optional[int] = None,
    host: str = DEFAULT_HOST,
    timeout: Optional[float] = DEFAULT_TIMEOUT_S,
    connection: Optional[Connection] = None,
) -> str:
    """Send one of COMMANDS and return the reply text. ``KILL`` ends the run iteration
    (rex then stops this script too); ``PAUSE_STATE``/``RESUME_STATE`` set the pause flag."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}; expected one of {', '.join(COMMANDS)}")
    return _send_once(command, connection, port, host, timeout)


def get_state(**options: Any) -> Dict[str, Any]:
    """``STATE``: the session (``{"entities": null}`` before one arrives) and device configs."""
    return json.loads(send_command("STATE", **options))


def get_datastream(**options: Any) -> Dict[str, Any]:
    """``GET_DATASTREAM``: the recent window of every channel (NaN/Inf come back as None)."""
    return json.loads(send_command("GET_DATASTREAM", **options))


# --------------------------------------------------------------------------------------------
# Session config (the file rex_utils scripts read; `rex run --config` can supply or override it)
# --------------------------------------------------------------------------------------------

_SESSION_ALIASES = {
    "session_name": ("session_name", "experiment_name", "test_name", "run_name"),
    "session_description": ("session_description", "experiment_description", "test_description", "run_description"),
}


def load_session_config(
    path: Union[None, str, "os.PathLike[str]"] = None,
    defaults: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """Read the session config the way the official client (rex_utils) does:

    1. the base file is ``REX_PROVIDED_CONFIG_PATH`` (``rex run --config FILE``) if set,
       else ``path``;
    2. ``REX_PROVIDED_OVERWRITE_PATH`` (``rex run --config '{json}'``) is deep-merged over it
       (its tables merge, its other values win).

    ``defaults`` (optional) lies under both, so a script can run without any file. Without
    defaults, one of the two files must exist (else FileNotFoundError). Returns the merged dict.
    """
    base_path = os.environ.get("REX_PROVIDED_CONFIG_PATH") or (os.fspath(path) if path is not None else None)
    overwrite_path = os.environ.get("REX_PROVIDED_OVERWRITE_PATH") or None
    base_exists = bool(base_path) and os.path.isfile(base_path)
    overwrite_exists = bool(overwrite_path) and os.path.isfile(overwrite_path)
    if not base_exists and not overwrite_exists and defaults is None:
        raise FileNotFoundError(
            f"no session config found: base {base_path!r} (argument or REX_PROVIDED_CONFIG_PATH), "
            f"overwrite {overwrite_path!r} (REX_PROVIDED_OVERWRITE_PATH)"
        )
    if base_path and not base_exists and (overwrite_exists or defaults is not None):
        _log.warning("session config %s not found; using %s", base_path, "the overwrite" if overwrite_exists else "defaults")
    config: Dict[str, Any] = copy.deepcopy(dict(defaults or {}))
    if base_exists:
        config = _deep_merge(config, _read_toml(base_path))
    if overwrite_exists:
        config = _deep_merge(config, _read_toml(overwrite_path))
    return config


def _deep_merge(base: Mapping[str, Any], overwrite: Mapping[str, Any]) -> Dict[str, Any]:
    merged = dict(base)
    for key, value in overwrite.items():
        if isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def session_info(config: Mapping[str, Any]) -> Dict[str, Any]:
    """``[session.info]`` (or the older ``[experiment.info]``) with aliases resolved to
    ``session_name``/``session_description``. KeyError names what is missing."""
    top = config.get("session") or config.get("experiment") or {}
    raw = dict(top.get("info") or {})
    if not raw:
        raise KeyError("the config has no [session.info] table")
    info: Dict[str, Any] = {}
    for field in ("name", "email"):
        if field not in raw:
            raise KeyError(f"[session.info] has no {field!r}")
        info[field] = raw[field]
    for field, names in _SESSION_ALIASES.items():
        present = [n for n in names if n in raw]
        if not present:
            raise KeyError(f"[session.info] has no {field!r} (or {', '.join(names[1:])})")
        info[field] = raw[present[0]]
    if raw.get("meta") is not None:
        info["meta"] = dict(raw["meta"])
    return info


def device_config(config: Mapping[str, Any], name: str) -> Dict[str, Any]:
    """``[device.<name>]`` of the session config ({} when absent)."""
    return dict((config.get("device") or {}).get(name) or {})


def _read_toml(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise RexConfigError(f"cannot read {path}: {err}") from None
    loads = _toml_loader()
    try:
        return loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise RexConfigError(f"{path} is not UTF-8: {err}") from None
    except Exception as err:  # each TOML library has its own error class
        raise RexConfigError(f"{path} is not valid TOML: {err}") from None


def _toml_loader() -> Callable[[str], Dict[str, Any]]:
    try:
        import tomllib  # Python 3.11+

        return tomllib.loads
    except ImportError:
        pass
    try:
        import tomli  # the same parser, packaged for older Pythons

        return tomli.loads
    except ImportError:
        pass
    try:
        from rex_toml_lite import loads  # shipped next to this file
    except ImportError:
        pass
    else:
        return loads
    try:
        from .rex_toml_lite import loads  # type: ignore[no-redef]  # both vendored into a package
    except ImportError:
        raise RexConfigError(
            "reading TOML needs Python 3.11+, the tomli package, or rex_toml_lite.py next to rex_client.py"
        ) from None
    return loads
