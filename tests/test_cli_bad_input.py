"""Every subcommand, given bad arguments, files or folders: exit code 2 and one short sentence.

Each case runs `fpgaforge.cli.main` in a fresh workspace of inputs (a good model, broken
models, calibration files, foreign and half-built folders) and checks: the exit code
(2, or 0 where the input is in fact valid), at most three lines on stderr and no
traceback, every input file byte-identical afterwards (by hash) and, on an error, no file
or folder left behind. Commands that run slow tools (csim, rtlsim, synth) get inputs that
fail before any tool starts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.cli import main
from fpgaforge.outputs import MARKER

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "models"
COMMANDS = (
    "boards",
    "build",
    "compare",
    "csim",
    "dse",
    "estimate",
    "inspect",
    "quantize",
    "report",
    "rtlsim",
    "synth",
)
B = ["--board", "zcu104"]
BQ = [*B, "--quant", "int8"]

# (case id, argv; {w} is the workspace, expected exit code)
CASES: list[tuple[str, list[str], int]] = [
    # boards
    ("boards-valid", ["boards"], 0),
    ("boards-unknown", ["boards", "no_such_board"], 2),
    ("boards-bad-yaml", ["boards", "{w}/board_bad.yaml"], 2),
    ("boards-folder", ["boards", "{w}/folder"], 2),
    # inspect: files
    ("inspect-valid", ["inspect", "{w}/model.onnx"], 0),
    ("inspect-missing", ["inspect", "{w}/missing.onnx"], 2),
    ("inspect-truncated", ["inspect", "{w}/truncated.onnx"], 2),
    ("inspect-text", ["inspect", "{w}/text.onnx"], 2),
    ("inspect-empty", ["inspect", "{w}/empty.onnx"], 2),
    ("inspect-folder", ["inspect", "{w}/folder"], 2),
    ("inspect-hostile-names", ["inspect", "{w}/hostile.onnx"], 2),
    ("inspect-huge-input", ["inspect", "{w}/huge.onnx"], 2),
    # inspect: arguments
    ("inspect-shape-syntax", ["inspect", "{w}/model.onnx", "--input-shape", "x=1xfoo"], 2),
    ("inspect-shape-zero", ["inspect", "{w}/model.onnx", "--input-shape", "x=0x64"], 2),
    ("inspect-shape-unknown", ["inspect", "{w}/model.onnx", "--input-shape", "nope=1x64"], 2),
    ("inspect-unknown-option", ["inspect", "{w}/model.onnx", "--frobnicate"], 2),
    # estimate
    ("estimate-valid", ["estimate", "{w}/model.onnx", *B, "--json"], 0),
    ("estimate-unknown-board", ["estimate", "{w}/model.onnx", "--board", "no_such_board"], 2),
    ("estimate-bad-quant", ["estimate", "{w}/model.onnx", *B, "--quant", "fixed:0,9"], 2),
    ("estimate-fps-nan", ["estimate", "{w}/model.onnx", *B, "--target-fps", "nan"], 2),
    ("estimate-fps-negative", ["estimate", "{w}/model.onnx", *B, "--target-fps", "-5"], 2),
    ("estimate-clock-inf", ["estimate", "{w}/model.onnx", *B, "--clock-mhz", "inf"], 2),
    ("estimate-clock-zero", ["estimate", "{w}/model.onnx", *B, "--clock-mhz", "0"], 2),
    ("estimate-output-is-input", ["estimate", "{w}/model.onnx", *B, "-o", "{w}/model.onnx"], 2),
    ("estimate-output-is-folder", ["estimate", "{w}/model.onnx", *B, "-o", "{w}/folder"], 2),
    ("estimate-calib-garbage", ["estimate", "{w}/model.onnx", *B, "--calib", "{w}/garbage.npz"], 2),
    ("estimate-calib-missing", ["estimate", "{w}/model.onnx", *B, "--calib", "{w}/nope.npz"], 2),
    ("estimate-corrupt-model", ["estimate", "{w}/truncated.onnx", *B], 2),
    # quantize
    ("quantize-valid", ["quantize", "{w}/model.onnx", "--quant", "int8", "-o", "{w}/q.onnx"], 0),
    ("quantize-bad-spec", ["quantize", "{w}/model.onnx", "--quant", "int99"], 2),
    ("quantize-yaml-missing", ["quantize", "{w}/model.onnx", "--quant", "{w}/nope.yaml"], 2),
    (
        "quantize-output-is-input",
        ["quantize", "{w}/model.onnx", "--quant", "int8", "-o", "{w}/model.onnx"],
        2,
    ),
    (
        "quantize-calib-wrong-key",
        ["quantize", "{w}/model.onnx", "--quant", "int8", "--calib", "{w}/wrong_key.npz"],
        2,
    ),
    (
        "quantize-calib-nan",
        ["quantize", "{w}/model.onnx", "--quant", "int8", "--calib", "{w}/nan.npz"],
        2,
    ),
    ("quantize-missing-quant", ["quantize", "{w}/model.onnx"], 2),
    # dse
    ("dse-no-board", ["dse", "{w}/model.onnx", "--boards", " , "], 2),
    ("dse-unknown-board", ["dse", "{w}/model.onnx", "--boards", "no_such_board"], 2),
    ("dse-bad-mode", ["dse", "{w}/model.onnx", "--boards", "zcu104", "--mode", "warp"], 2),
    ("dse-bad-quant", ["dse", "{w}/model.onnx", "--boards", "zcu104", "--quant", "int99"], 2),
    ("dse-workers-zero", ["dse", "{w}/model.onnx", "--boards", "zcu104", "--workers", "0"], 2),
    (
        "dse-output-is-input",
        ["dse", "{w}/model.onnx", "--boards", "zcu104", "-o", "{w}/model.onnx"],
        2,
    ),
    ("dse-corrupt-model", ["dse", "{w}/text.onnx", "--boards", "zcu104"], 2),
    # build: folders
    ("build-valid", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--vectors", "4"], 0),
    ("build-foreign-folder", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/foreign"], 2),
    (
        "build-foreign-folder-force",
        ["build", "{w}/model.onnx", *BQ, "-o", "{w}/foreign", "--force"],
        2,
    ),
    (
        "build-force-model-inside",
        ["build", "{w}/inside/model.onnx", *BQ, "-o", "{w}/inside", "--force"],
        2,
    ),
    ("build-force-workspace", ["build", "{w}/model.onnx", *BQ, "-o", "{w}", "--force"], 2),
    (
        "build-force-built-with-extra",
        ["build", "{w}/model.onnx", *BQ, "-o", "{w}/built_extra", "--force"],
        2,
    ),
    ("build-output-is-file", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/model.onnx"], 2),
    # build: arguments and files (none may leave {w}/out behind)
    ("build-vectors-zero", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--vectors", "0"], 2),
    ("build-vectors-text", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--vectors", "x"], 2),
    ("build-fps-nan", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--target-fps", "nan"], 2),
    ("build-clock-neg", ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--clock-mhz", "-1"], 2),
    (
        "build-unknown-board",
        ["build", "{w}/model.onnx", "--board", "nope", "--quant", "int8", "-o", "{w}/out"],
        2,
    ),
    ("build-bad-quant", ["build", "{w}/model.onnx", *B, "--quant", "fixed:x", "-o", "{w}/out"], 2),
    ("build-corrupt-model", ["build", "{w}/truncated.onnx", *BQ, "-o", "{w}/out"], 2),
    ("build-missing-model", ["build", "{w}/missing.onnx", *BQ, "-o", "{w}/out"], 2),
    (
        "build-calib-garbage",
        ["build", "{w}/model.onnx", *BQ, "-o", "{w}/out", "--calib", "{w}/garbage.npz"],
        2,
    ),
    # csim: folders (g++ never starts)
    ("csim-missing", ["csim", "{w}/nope"], 2),
    ("csim-not-a-project", ["csim", "{w}/foreign"], 2),
    ("csim-file", ["csim", "{w}/model.onnx"], 2),
    ("csim-no-testbench", ["csim", "{w}/fake_hls"], 2),
    ("csim-vectors-zero", ["csim", "{w}/fake_hls", "--vectors", "0"], 2),
    # compare (no --cpu/--gpu: the FPGA rows only, fast)
    ("compare-valid", ["compare", "{w}/model.onnx", "--boards", "zcu104", "--quant", "int8"], 0),
    ("compare-unknown-board", ["compare", "{w}/model.onnx", "--boards", "zcu104,nope"], 2),
    ("compare-empty-boards", ["compare", "{w}/model.onnx", "--boards", ","], 2),
    (
        "compare-bad-quant",
        ["compare", "{w}/model.onnx", "--boards", "zcu104", "--quant", "int99"],
        2,
    ),
    (
        "compare-unknown-gpu",
        ["compare", "{w}/model.onnx", "--boards", "zcu104", "--gpu", "--gpu-model", "voodoo5"],
        2,
    ),
    ("compare-corrupt-model", ["compare", "{w}/truncated.onnx", "--boards", "zcu104"], 2),
    (
        "compare-html-onto-input",
        ["compare", "{w}/model.onnx", "--boards", "zcu104", "--html", "{w}/model.onnx"],
        2,
    ),
    (
        "estimate-html-onto-input",
        ["estimate", "{w}/model.onnx", *B, "--html", "{w}/model.onnx"],
        2,
    ),
    # report
    ("report-missing", ["report", "{w}/nope"], 2),
    ("report-not-a-build", ["report", "{w}/foreign", "-o", "{w}/r.html"], 2),
    ("report-empty-folder", ["report", "{w}/folder", "-o", "{w}/r.html"], 2),
    # rtlsim (the simulator never starts)
    (
        "rtlsim-compiled-on-icarus",
        ["rtlsim", "{w}/hollow_rtl", "--simulator", "icarus", "--engine", "compiled"],
        2,
    ),
    ("rtlsim-missing", ["rtlsim", "{w}/nope"], 2),
    ("rtlsim-not-a-project", ["rtlsim", "{w}/foreign"], 2),
    ("rtlsim-broken-project", ["rtlsim", "{w}/broken_rtl"], 2),
    ("rtlsim-missing-sources", ["rtlsim", "{w}/hollow_rtl"], 2),
    ("rtlsim-vectors-zero", ["rtlsim", "{w}/hollow_rtl", "--vectors", "0"], 2),
    ("rtlsim-bad-simulator", ["rtlsim", "{w}/hollow_rtl", "--simulator", "modelsim"], 2),
    # synth (yosys never starts)
    ("synth-missing", ["synth", "{w}/nope"], 2),
    ("synth-not-a-project", ["synth", "{w}/foreign"], 2),
    ("synth-broken-project", ["synth", "{w}/broken_rtl"], 2),
    ("synth-missing-sources", ["synth", "{w}/hollow_rtl"], 2),
    ("synth-timeout-nan", ["synth", "{w}/hollow_rtl", "--timeout", "nan"], 2),
    ("synth-bad-family", ["synth", "{w}/hollow_rtl", "--family", "xc9"], 2),
]


def _workspace(root: Path) -> Path:
    from onnx import TensorProto, helper

    model = EXAMPLES / "digits_mlp.onnx"
    shutil.copy(model, root / "model.onnx")
    data = model.read_bytes()
    (root / "truncated.onnx").write_bytes(data[: len(data) // 2])
    (root / "text.onnx").write_text("this is not a model\n")
    (root / "empty.onnx").write_bytes(b"")
    (root / "folder").mkdir()
    (root / "board_bad.yaml").write_text("name: [unclosed\n")
    (root / "garbage.npz").write_bytes(b"PK\x03\x04 not really a zip")
    np.savez(root / "wrong_key.npz", not_an_input=np.zeros((4, 64), np.float32))
    name = _input_name(root / "model.onnx")
    np.savez(root / "nan.npz", **{name: np.full((4, 64), np.nan, np.float32)})
    (root / "inside").mkdir()
    shutil.copy(model, root / "inside" / "model.onnx")
    (root / "inside" / MARKER).write_text(
        json.dumps({"tool": "fpgaforge", "files": ["model.onnx"]})
    )
    (root / "foreign").mkdir()
    (root / "foreign" / "notes.txt").write_text("my notes\n")
    (root / "built_extra").mkdir()
    (root / "built_extra" / "schedule.json").write_text("{}\n")
    (root / "built_extra" / "thesis.tex").write_text("months of work\n")
    (root / "built_extra" / MARKER).write_text(
        json.dumps({"tool": "fpgaforge", "files": ["schedule.json"]})
    )
    (root / "fake_hls" / "tb").mkdir(parents=True)
    (root / "fake_hls" / "Makefile").write_text("all:\n")
    (root / "broken_rtl" / "rtl").mkdir(parents=True)
    (root / "broken_rtl" / "rtl" / "project.json").write_text("{not json")
    (root / "hollow_rtl" / "rtl").mkdir(parents=True)
    (root / "hollow_rtl" / "rtl" / "project.json").write_text(
        json.dumps({"top": "top", "sources": ["ff_gone.v", "top.v"]})
    )
    x = helper.make_tensor_value_info("x\n\x1b[2J", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    node = helper.make_node("Relu", ["x\n\x1b[2J"], ["y"], name="r" * 300)
    _save(helper.make_graph([node], "g", [x], [y]), root / "hostile.onnx")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2**20, 2**20])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2**20, 2**20])
    _save(
        helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]),
        root / "huge.onnx",
    )
    return root


def _save(graph, path: Path) -> None:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def _input_name(path: Path) -> str:
    import onnx

    return onnx.load(str(path)).graph.input[0].name


def _snapshot(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file, '<dir>' for every folder, under `root`."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_the_table_covers_every_subcommand() -> None:
    from fpgaforge.cli import _command_modules

    registered = {m.__name__.rsplit(".", 1)[1] for m in _command_modules()}
    assert registered == set(COMMANDS)
    assert {argv[0] for _, argv, _ in CASES} == set(COMMANDS)


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(tmp_path: Path, capsys, argv: list[str], expected: int) -> None:
    work = _workspace(tmp_path)
    before = _snapshot(work)
    args = [a.replace("{w}", str(work)) for a in argv]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == expected, f"exit {code}, stderr: {err}"
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    after = _snapshot(work)
    for rel, digest in before.items():
        assert after.get(rel) == digest, f"input {rel} was changed or removed"
    if expected == 2:
        lines = err.splitlines()
        assert 1 <= len(lines) <= 3, err
        assert "error:" in lines[0] and err.endswith((".", "`.")), err
        assert after == before, f"left behind: {sorted(set(after) - set(before))}"


def test_build_force_with_the_model_inside_refuses_and_keeps_it(tmp_path: Path, capsys) -> None:
    work = _workspace(tmp_path)
    model = work / "inside" / "model.onnx"
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    code = main(["build", str(model), *BQ, "-o", str(work / "inside"), "--force"])
    assert code == 2
    assert "holds the input" in capsys.readouterr().err
    assert hashlib.sha256(model.read_bytes()).hexdigest() == digest


def test_build_force_replaces_only_its_own_folder(tmp_path: Path, capsys) -> None:
    work = _workspace(tmp_path)
    out = work / "out"
    args = ["build", str(work / "model.onnx"), *BQ, "-o", str(out), "--vectors", "2"]
    assert main(args) == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["tool"] == "fpgaforge" and "schedule.json" in marker["files"]
    (out / "hls" / "build").mkdir()  # what csim writes into a project: still fpgaforge's
    (out / "hls" / "build" / "tb.exe").write_bytes(b"\0")
    assert main([*args, "--force"]) == 0
    assert not (out / "hls" / "build").exists()
    (out / "hls" / "my_edit.cpp").write_text("// mine\n")
    assert main([*args, "--force"]) == 2
    assert (out / "hls" / "my_edit.cpp").read_text() == "// mine\n"
    assert "my_edit.cpp" in capsys.readouterr().err
    leftovers = [p.name for p in work.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []
