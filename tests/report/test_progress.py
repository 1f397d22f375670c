"""The spinner of `estimate` shows only on a terminal."""

from __future__ import annotations

from fpgaforge.report.progress import NullStatus, tty_status


def test_no_spinner_without_a_terminal(capsys) -> None:
    with tty_status("estimating") as status:  # pytest captures stderr: not a terminal
        assert isinstance(status, NullStatus)
        status.update("scheduling on ultra96v2")
    assert capsys.readouterr() == ("", "")


def test_steps_show_only_on_a_terminal_and_not_quiet(monkeypatch, capsys) -> None:
    import sys

    from fpgaforge.report.progress import Steps, tty_steps

    with tty_steps(3) as steps:
        assert isinstance(steps, NullStatus)
        steps.step("quantizing")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert isinstance(tty_steps(3, quiet=True), NullStatus)
    assert isinstance(tty_status("x", quiet=True), NullStatus)
    assert isinstance(tty_steps(3), Steps)
    assert capsys.readouterr() == ("", "")
