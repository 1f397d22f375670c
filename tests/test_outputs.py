"""Output files: written whole through a temporary sibling, with the usual file mode, never
onto an input."""

from __future__ import annotations

import os
import stat

import pytest

from fpgaforge.errors import UsageError
from fpgaforge.outputs import staged_file, write_output_file


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_written_file_has_the_umask_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_output_file(tmp_path / "out.json", "{}\n")
        with staged_file(tmp_path / "report.html") as tmp:
            tmp.write_text("<html></html>")
    finally:
        os.umask(umask)
    assert path.read_text() == "{}\n"
    assert _mode(path) == 0o644
    assert _mode(tmp_path / "report.html") == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "report.html"]


def test_never_onto_an_input(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"model")
    with pytest.raises(UsageError, match="is an input of this command"):
        write_output_file(model, "x", inputs=[model], option="--html")
    assert model.read_bytes() == b"model"


def test_failed_writer_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_file(tmp_path / "r.html") as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
