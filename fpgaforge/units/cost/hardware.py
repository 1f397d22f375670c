"""What the scheduler needs to know about a board, read once from `fpgaforge.boards`.

`BoardView` adapts a `fpgaforge.boards.Board` (resources, clocks, memories,
usable fractions, power) into plain numbers the cost models use, and fills
the gaps the board files leave (no static power figure) from the resource
model's documented fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fpgaforge import boards
from fpgaforge.units.cost.coefficients import coef

KINDS = ("dsp", "lut", "ff", "bram", "uram")
"""Resource kinds the scheduler budgets (BRAM in native blocks of the board)."""


@dataclass(frozen=True)
class BoardView:
    """A board as the cost models see it.

    capacity: resource counts of the device; usable: what a design may plan to use
    (usable fractions and shell overhead applied); bandwidth: usable external-memory
    bytes/s (0 without external memory); memory_type: e.g. 'DDR4' (for energy).
    """

    name: str
    dsp_kind: str
    lut_inputs: int
    bram_bits: int
    lutram: bool
    capacity: dict[str, int]
    usable: dict[str, int]
    default_mhz: float
    max_mhz: float
    bandwidth: float
    memory_type: str | None
    static_w: float
    static_source: str

    @property
    def onchip_bits(self) -> int:
        """Usable BRAM + URAM bits."""
        return int(self.usable["bram"] * self.bram_bits + self.usable["uram"] * 288 * 1024)


def view(board: Any) -> BoardView:
    """A `BoardView` of a `fpgaforge.boards.Board` (or a board name)."""
    if isinstance(board, BoardView):
        return board
    if isinstance(board, str):
        board = boards.get(board)
    r = board.resources
    capacity = {k: int(r.count(k)) for k in KINDS}
    usable = {k: int(board.usable(k)) for k in KINDS}
    memory = board.memory
    bandwidth = float(board.usable_bandwidth_bytes_per_s or board.bandwidth_bytes_per_s or 0.0)
    static = board.power.static_w
    source = "board file"
    if static is None:
        static = max(
            float(coef("power", "static_w_min")),
            float(coef("power", "static_w_per_klut")) * capacity["lut"] / 1000.0,
        )
        source = "estimate (resource_model.yaml power.static_w_per_klut; the board file gives none)"
    lutram = bool(r.lutram) if r.lutram is not None else r.lut_inputs >= 6
    return BoardView(
        name=board.name,
        dsp_kind=r.dsp_kind,
        lut_inputs=int(r.lut_inputs),
        bram_bits=int(r.bram.bits_per_block),
        lutram=lutram,
        capacity=capacity,
        usable=usable,
        default_mhz=float(board.clocks.default_mhz),
        max_mhz=float(board.clocks.max_mhz or board.clocks.default_mhz),
        bandwidth=bandwidth,
        memory_type=memory.type if memory is not None else None,
        static_w=float(static),
        static_source=source,
    )
