"""The spinner of `estimate` shows only on a terminal."""

from __future__ import annotations

from fpgaforge.report.progress import NullStatus, tty_status


def test_no_spinner_without_a_terminal(capsys) -> None:
    with tty_status("estimating") as status:  # pytest captures stderr: not a terminal
        assert isinstance(status, NullStatus)
        status.update("scheduling on ultra96v2")
    assert capsys.readouterr() == ("", "")
