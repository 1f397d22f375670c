"""Generated RTL projects: byte-identical rebuilds, hostile names, lint, Icarus, pyverilog."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.dataflow import schedule
from fpgaforge.rtl import write_project
from fpgaforge.rtl.errors import RtlUnsupportedError
from fpgaforge.rtl.generator import banner
from fpgaforge.sim.tools import tool_env
from fpgaforge.sim.vectors import make_vectors

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.fixture(scope="module")
def mlp():
    data = np.load(MODELS / "digits_mlp_test.npz")["x"]
    q = fpgaforge.quantize(fpgaforge.load(MODELS / "digits_mlp.onnx"), "int8", {"x": data})
    return q, schedule(q, "ulx3s-85f"), make_vectors(q, {"x": data}, count=8)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_byte_identical_rebuild(tmp_path, mlp):
    q, s, v = mlp
    write_project(q, s, "ulx3s-85f", v, tmp_path / "a")
    write_project(q, s, "ulx3s-85f", v, tmp_path / "b")
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b and len(a) > 10


def test_banner_everywhere(tmp_path, mlp):
    q, s, v = mlp
    for path in write_project(q, s, "ulx3s-85f", v, tmp_path / "p"):
        assert banner() in path.read_text()[:400], path


def test_project_lists_the_instances_of_the_top(tmp_path, rescnn):
    """project.json lists every instance of the top with its parameters (what synth and the
    design estimate read), exactly as the top instantiates it."""
    from fpgaforge.rtl.design_estimate import top_units

    q, s, v = rescnn
    write_project(q, s, "ulx3s-85f", v, tmp_path / "p")
    text = (tmp_path / "p" / "digits_rescnn_top.v").read_text()
    units = top_units(tmp_path / "p")
    assert text.count(" #(") == len(units) and units[-1]["module"] == "ff_axil_regs"
    for unit in units:
        head, _, _ = text.partition(f") {unit['inst']} (")
        block = head[head.rindex(f"{unit['module']} #(") :]
        for key, value in unit["params"].items():
            shown = f'"{value}"' if isinstance(value, str) else str(value)
            assert f".{key}({shown})" in block, (unit["inst"], key)


def test_dsp_pack_is_what_the_cost_model_counts(tmp_path, mlp):
    """ff_mvau's DSP_PACK comes from the cost model's one function: on ulx3s-85f (MULT18, two
    8-bit products per multiplier) the int8 MLP's layers with PE >= 2 are built packed."""
    from dataclasses import replace

    from fpgaforge.dataflow.stages import form_stages
    from fpgaforge.rtl.design_estimate import top_units
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext

    q, s, v = mlp
    write_project(q, s, "ulx3s-85f", v, tmp_path / "p")
    built = {
        u["stage"]: u["params"]["DSP_PACK"]
        for u in top_units(tmp_path / "p")
        if u["module"] == "ff_mvau"
    }
    ctx = CostContext.of(view("ulx3s-85f"))
    templates = {spec.name: spec.streaming for spec in form_stages(q)}
    model = {
        stage.name: replace(
            templates[stage.name], pe=stage.folding["pe"], simd=stage.folding["simd"]
        ).unit_params(ctx)["DSP_PACK"]
        for stage in s.stages
        if stage.kind == "mvau"
    }
    assert built == model
    assert sorted(built.values()) == [0, 1, 1]  # PE 2, 1 and 5


def test_nasty_names(tmp_path, mlp):
    q, s, v = mlp
    g = q.copy()
    nasty = 'evil"model */ ; module x; endmodule // \n$finish'
    g.name = nasty
    files = write_project(g, s, "ulx3s-85f", v, tmp_path / "n")
    tops = [f for f in files if f.name.endswith("_top.v")]
    assert len(tops) == 1
    text = tops[0].read_text()
    assert "endmodule // " not in text.split("module ", 1)[0]
    assert "$finish" not in text and '"model' not in text
    lint(tmp_path / "n")


def lint(folder: Path) -> None:
    tool_env("verilator")
    sources = (folder / "filelist.f").read_text().split("\n")[1:]
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "ff_lint.vlt", *[s for s in sources if s]],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_lint_and_icarus_and_pyverilog(tmp_path, mlp):
    q, s, v = mlp
    out = tmp_path / "p"
    write_project(q, s, "ulx3s-85f", v, out)
    lint(out)
    sources = [x for x in (out / "filelist.f").read_text().split("\n")[1:] if x]
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    proc = subprocess.run(
        ["iverilog", "-g2001", "-o", str(tmp_path / "a.vvp"), *sources],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    from fpgaforge.rtl.ports import top_ports

    ports = top_ports(out)
    assert ports["s_axis_tdata"]["direction"] == "input"
    assert ports["m_axis_tdata"]["width"] == 8 * 5


@pytest.fixture(scope="module")
def rescnn():
    data = np.load(MODELS / "digits_rescnn_test.npz")["x"]
    q = fpgaforge.quantize(fpgaforge.load(MODELS / "digits_rescnn.onnx"), "int8", {"x": data})
    return q, schedule(q, "ulx3s-85f"), make_vectors(q, {"x": data}, count=4)


def test_residual_rebuild_lint_icarus(tmp_path, rescnn):
    q, s, v = rescnn
    write_project(q, s, "ulx3s-85f", v, tmp_path / "a")
    write_project(q, s, "ulx3s-85f", v, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    out = tmp_path / "a"
    top = (out / "digits_rescnn_top.v").read_text()
    assert top.count("ff_fork #(") == 2 and top.count("ff_add #(") == 2
    assert "skip FIFO" in top
    lint(out)
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    sources = [x for x in (out / "filelist.f").read_text().split("\n")[1:] if x]
    proc = subprocess.run(
        ["iverilog", "-g2001", "-o", str(tmp_path / "a.vvp"), *sources],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_axil_ports(tmp_path, mlp):
    q, s, v = mlp
    out = tmp_path / "p"
    write_project(q, s, "ulx3s-85f", v, out)
    from fpgaforge.rtl.ports import top_ports

    ports = top_ports(out)
    assert ports["s_axil_awaddr"] == {"direction": "input", "width": 8}
    assert ports["s_axil_rdata"] == {"direction": "output", "width": 32}
    assert "ff_axil_regs.v" in (out / "filelist.f").read_text()


def test_tiled_rebuild_lint(tmp_path, mlp):
    q, _, v = mlp
    s = schedule(q, "ulx3s-85f", mode="tiled", tiled_weights="onchip")
    write_project(q, s, "ulx3s-85f", v, tmp_path / "a")
    write_project(q, s, "ulx3s-85f", v, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert "ff_tiled_gemm #(" in (tmp_path / "a" / "digits_mlp_top.v").read_text()
    lint(tmp_path / "a")


def test_tiled_needs_onchip_weights(tmp_path, mlp):
    """A schedule whose engine streams weights from DRAM has no RTL engine: one clear error."""
    q, _, v = mlp
    s = schedule(q, "ulx3s-85f", mode="tiled")
    with pytest.raises(RtlUnsupportedError, match="on-chip ROM.*--tiled-weights onchip"):
        write_project(q, s, "ulx3s-85f", v, tmp_path / "a")
    assert not (tmp_path / "a").exists()
