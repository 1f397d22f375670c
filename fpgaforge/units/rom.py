"""ROM images of the generated top: words packed as `$readmemh` reads them (hex, no prefix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


def hex_word(values: list[int], bits: int) -> str:
    """One packed word: values[0] in the low bits, each `bits` wide (two's complement)."""
    word = 0
    mask = (1 << bits) - 1
    for i, v in enumerate(values):
        word |= (int(v) & mask) << (i * bits)
    digits = max(1, -(-bits * len(values) // 4))
    return f"{word:0{digits}x}"


def signed_bits(values: list[int], minimum: int = 2) -> int:
    """Bits of a two's complement field holding every value."""
    top = max((max(v, -v - 1) for v in values), default=0)
    return max(minimum, int(top).bit_length() + 1)


def rq_words(
    mults: list[int], shifts: list[int], lanes: int, mult_w: int, shift_w: int
) -> list[str]:
    """Requant table words: per group of `lanes` channels, one {multiplier, shift} field per
    lane (lane 0 low; each field the multiplier above the shift)."""
    words = []
    for g in range(len(mults) // lanes):
        fields = []
        for lane in range(lanes):
            c = g * lanes + lane
            packed = ((mults[c] & ((1 << mult_w) - 1)) << shift_w) | (
                shifts[c] & ((1 << shift_w) - 1)
            )
            fields.append(packed)
        words.append(hex_word(fields, mult_w + shift_w))
    return words


def bit_columns(words: list[str], width: int) -> np.ndarray:
    """The bits of a ROM image as a (width, depth) 0/1 array: row b is bit b of every word."""
    depth = len(words)
    if depth == 0 or width <= 0:
        return np.zeros((max(width, 0), depth), dtype=np.uint8)
    nbytes = -(-width // 8)
    mask = (1 << width) - 1
    raw = b"".join((int(w, 16) & mask).to_bytes(nbytes, "little") for w in words)
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(depth, nbytes)
    return np.unpackbits(packed, axis=1, bitorder="little")[:, :width].T.copy()


def live_bits(words: list[str], width: int, fields: int = 1) -> int:
    """Output bits of a logic ROM (words `width` bits wide, read at the word index) that cost
    logic: the distinct bit columns, counted once up to complement (an inverted copy is free
    in the LUT that reads it), that are neither constant over all words nor a copy of an
    address bit. With `fields` > 1 the word is that many equal fields (e.g. one per lane) and
    columns are told apart per field only (a column repeated in two fields counts in each:
    the fields are read by separate logic)."""
    depth = len(words)
    if depth <= 1 or width <= 0:
        return 0
    cols = bit_columns(words, width)
    cols = cols ^ cols[:, :1]  # word 0 reads 0: a column and its complement are one
    abits = max(1, (depth - 1).bit_length())
    addr = (np.arange(depth)[None, :] >> np.arange(abits)[:, None]) & 1
    trivial = ~cols.any(axis=1)
    for a in addr.astype(np.uint8):
        trivial |= (cols == a).all(axis=1)
    live = cols[~trivial]
    if not len(live):
        return 0
    if fields <= 1 or width % fields:
        return int(np.unique(live, axis=0).shape[0])
    per = width // fields
    owner = np.nonzero(~trivial)[0] // per
    return sum(int(np.unique(live[owner == f], axis=0).shape[0]) for f in range(fields))


FOLD_ADDRESS_BITS = 3
"""A table read at an address of at most this many bits folds into the LUTs it drives: a
LUT6 takes the address bits and still has room for three inputs of the logic itself."""


def epilogue_contents(
    bias: list[str], acc_w: int, rq: list[str], rq_w: int, shift_w: int, lanes: int, rq_en: bool
) -> dict[str, int]:
    """What the resource model reads from the bias / requant tables of a MAC unit's epilogue
    (one word per output fold, `lanes` fields each; requant fields {multiplier, shift}, the
    shift low): BIAS_LIVE / RQ_LIVE, the tables' live bits (`live_bits`), and FOLDED_LANES,
    the lanes whose shift is one constant or comes from a table short enough to fold
    (`FOLD_ADDRESS_BITS`), so their shifter reduces to wiring or a few LUTs."""
    depth = len(bias)
    short = depth <= 1 << FOLD_ADDRESS_BITS
    folded = lanes
    if rq_en and not short:
        mask = (1 << shift_w) - 1
        values = [int(w, 16) for w in rq]
        folded = sum(len({(v >> (g * rq_w)) & mask for v in values}) == 1 for g in range(lanes))
    return {
        "BIAS_LIVE": live_bits(bias, lanes * acc_w),
        "RQ_LIVE": live_bits(rq, lanes * rq_w) if rq_en else 0,
        "FOLDED_LANES": folded,
    }


@dataclass(frozen=True)
class DecodeUnit:
    """One library module of the decode-step RTL with its parameters: `params` name its ROM
    images by file name (relative to the project's `mem/` folder), `mems` holds them."""

    module: str
    params: dict[str, int | str]
    mems: dict[str, list[str]] = field(default_factory=dict)

    def write_mems(self, folder: Path) -> None:
        """Write every ROM image under `folder`."""
        for name, words in self.mems.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{w}\n" for w in words))

    def sim_params(self, folder: Path) -> dict[str, int | str]:
        """The parameters with ROM file names as quoted paths under `folder` (a simulator's
        -G values) after writing the images there."""
        self.write_mems(folder)
        return {k: (f'"{folder / v}"' if isinstance(v, str) else v) for k, v in self.params.items()}


__all__ = [
    "FOLD_ADDRESS_BITS",
    "DecodeUnit",
    "bit_columns",
    "epilogue_contents",
    "hex_word",
    "live_bits",
    "rq_words",
    "signed_bits",
]
