"""Dumps an HDF5 file as JSON, with h5py (the independent reader of test/export/hdf5.test.ts).

Every group and dataset by path: its attributes, and for datasets dtype, shape and values.
Floats are given by their bits (16 hex digits, so -0.0 and NaN survive JSON), integers as
decimal strings (int64 does not fit a JSON number), strings as themselves.
"""
import json
import sys

import h5py
import numpy as np


def value(v):
    a = np.asarray(v)
    if a.dtype.kind == "f":
        out = [format(int(b), "016x") for b in a.astype("<f8").reshape(-1).view("<u8")]
    elif a.dtype.kind in "iu":
        out = [str(int(x)) for x in a.reshape(-1)]
    else:
        out = [x.decode() if isinstance(x, bytes) else str(x) for x in a.reshape(-1)]
    return {"kind": a.dtype.kind, "dtype": a.dtype.str, "shape": list(a.shape), "values": out}


def dump(path):
    nodes = {}

    def visit(name, obj):
        node = {"attrs": {k: value(v) for k, v in obj.attrs.items()}}
        if isinstance(obj, h5py.Dataset):
            node.update(value(obj[()]))
            node["chunks"] = list(obj.chunks or [])
            node["maxshape"] = list(obj.maxshape)
        nodes[name] = node

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)
    return nodes


print(json.dumps({p: dump(p) for p in sys.argv[1:]}))
