"""A stdlib-only PEP 517 / PEP 660 build backend for the rex_client package.

The package is the top-level ``*.py`` modules next to pyproject.toml (rex_client,
rex_toml_lite). A wheel of those needs no setuptools nor ``wheel``, so
``pip install --no-index --no-build-isolation`` works offline in a fresh venv, where
Python 3.12+ has no setuptools at all and older ones have setuptools without ``wheel``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile
from typing import Dict, List, Optional, Tuple

_WHEEL = "Wheel-Version: 1.0\nGenerator: rex_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _pyproject() -> Dict[str, object]:
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        sys.path.insert(0, os.getcwd())  # the backend runs in the source tree (PEP 517)
        from rex_toml_lite import loads  # the client's own TOML reader, for Python < 3.11

        return loads(_read_text("pyproject.toml"))
    return tomllib.loads(_read_text("pyproject.toml"))


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _modules() -> List[str]:
    return sorted(f for f in os.listdir(".") if f.endswith(".py"))


def _metadata() -> Tuple[str, str, str]:
    """(distribution name as in file names, version, the METADATA / PKG-INFO text)."""
    project = _pyproject()["project"]
    match = re.search(r'^__version__ = "([^"]+)"', _read_text("rex_client.py"), re.M)
    if match is None:
        raise RuntimeError("rex_client.py has no __version__")
    version = match.group(1)
    text = (
        "Metadata-Version: 2.1\n"
        f"Name: {project['name']}\n"
        f"Version: {version}\n"
        f"Summary: {project['description']}\n"
        f"License: {project['license']['text']}\n"
        f"Requires-Python: {project['requires-python']}\n"
    )
    return re.sub(r"[-_.]+", "_", project["name"]).lower(), version, text


def _write_wheel(directory: str, files: Dict[str, bytes]) -> str:
    """Writes a py3-none-any wheel of `files` (archive path -> content), adding the dist-info."""
    name, version, metadata = _metadata()
    dist_info = f"{name}-{version}.dist-info"
    files = {**files, f"{dist_info}/METADATA": metadata.encode(), f"{dist_info}/WHEEL": _WHEEL.encode()}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}\n")
    record.append(f"{dist_info}/RECORD,,\n")
    files[f"{dist_info}/RECORD"] = "".join(record).encode()
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as whl:
        for path, data in files.items():
            whl.writestr(path, data)
    return filename


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    files = {}
    for module in _modules():
        with open(module, "rb") as f:
            files[module] = f.read()
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """`pip install -e`: a .pth file puts this folder on sys.path."""
    return _write_wheel(wheel_directory, {"rex_daq_client.pth": (os.getcwd() + "\n").encode()})


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    name, version, metadata = _metadata()
    base = f"{name}-{version}"
    with tarfile.open(os.path.join(sdist_directory, f"{base}.tar.gz"), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in ["pyproject.toml", "README.md", "_build/rex_build.py", *_modules()]:
            tar.add(path, f"{base}/{path}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(metadata.encode())
        tar.addfile(info, io.BytesIO(metadata.encode()))
    return f"{base}.tar.gz"
