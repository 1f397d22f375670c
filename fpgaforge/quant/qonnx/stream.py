"""Writing an ONNX model to a file one initializer at a time.

A model of large weights serialized with `onnx.save` is held three more times on the way
(the tensors, the graph that holds them, the serialized bytes). Here the model without its
initializers is written first, then each initializer as a model that holds only it: a
protobuf parser merges the repeated `graph` field of a message, appending the initializers
in order, so the file loads as the whole model. A large tensor's `raw_data` is written
straight from the array's buffer; only its small header (dims, type, name) is serialized.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import onnx
from onnx import helper, numpy_helper

MODEL_GRAPH_FIELD = 7
"""`ModelProto.graph`."""
GRAPH_INITIALIZER_FIELD = 5
"""`GraphProto.initializer`."""
TENSOR_RAW_DATA_FIELD = 9
"""`TensorProto.raw_data`."""
DIRECT_BYTES = 1 << 20
"""Tensors of at least this many bytes have their data written from the array's buffer."""


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited_key(field: int) -> bytes:
    return _varint(field << 3 | 2)


def _write_tensor_piece(handle: BinaryIO, name: str, data: np.ndarray) -> None:
    """Append a model holding only the initializer `name` = `data`."""
    array = np.asarray(data)
    if array.nbytes < DIRECT_BYTES or array.dtype.kind not in "iuf":
        piece = onnx.ModelProto()
        piece.graph.initializer.append(numpy_helper.from_array(array, name))
        handle.write(piece.SerializeToString())
        return
    shape = array.shape
    array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))  # 0-d: 1-d
    header = onnx.TensorProto()
    header.dims.extend(shape)
    header.data_type = helper.np_dtype_to_tensor_dtype(array.dtype.newbyteorder("="))
    header.name = name
    head = header.SerializeToString()
    raw_key = _length_delimited_key(TENSOR_RAW_DATA_FIELD) + _varint(array.nbytes)
    tensor_len = len(head) + len(raw_key) + array.nbytes
    initializer_key = _length_delimited_key(GRAPH_INITIALIZER_FIELD) + _varint(tensor_len)
    graph_len = len(initializer_key) + tensor_len
    handle.write(_length_delimited_key(MODEL_GRAPH_FIELD) + _varint(graph_len))
    handle.write(initializer_key + head + raw_key)
    handle.write(memoryview(array.reshape(-1)).cast("B"))


def write_model(
    skeleton: onnx.ModelProto,
    initializers: Iterable[tuple[str, np.ndarray]],
    path: str | os.PathLike,
) -> Path:
    """Write `skeleton` with `initializers` ((name, array) pairs, in order) appended to its
    graph to `path`, holding at most one initializer's small header serialized at a time."""
    path = Path(path)
    with path.open("wb") as handle:
        handle.write(skeleton.SerializeToString())
        for name, data in initializers:
            _write_tensor_piece(handle, name, data)
    return path
