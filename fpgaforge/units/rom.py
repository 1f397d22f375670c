"""ROM images of the generated top: words packed as `$readmemh` reads them (hex, no prefix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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


__all__ = ["DecodeUnit", "hex_word", "rq_words", "signed_bits"]
