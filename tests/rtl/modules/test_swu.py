"""ff_swu (line buffer, im2col order): the window vectors equal a Python im2col of the input
frames, with and without output back-pressure, across frames; a window leaves one cycle
after its last pixel is written; the ring of min(H, KH + SH) rows holds the writer back
only while the reader still needs the rows it would overwrite."""

from __future__ import annotations

import random

import pytest

from tests.rtl.modules.harness import pack, run_stream, unpack

pytestmark = pytest.mark.rtlsim

FRAMES = 3


def im2col(frame, c, h, w, k, stride, pad, out_h, out_w):
    """Window vectors [KH][KW][C] (channel fastest) of every output pixel, zero padded."""
    kh, kw = k
    sh, sw = stride
    pt, pl = pad
    out = []
    for oy in range(out_h):
        for ox in range(out_w):
            vec = []
            for ky in range(kh):
                for kx in range(kw):
                    iy, ix = oy * sh - pt + ky, ox * sw - pl + kx
                    inside = 0 <= iy < h and 0 <= ix < w
                    vec += [frame[iy][ix][ch] if inside else 0 for ch in range(c)]
            out.append(vec)
    return out


CASES = {
    # C, H, W, (KH, KW), (SH, SW), (PT, PL), OH, OW, IN_N, SIMD
    "stem_c1_simd3": (1, 8, 8, (3, 3), (1, 1), (1, 1), 8, 8, 1, 3),
    "stride2_simd_taps": (8, 8, 8, (3, 3), (2, 2), (1, 1), 4, 4, 8, 24),
    "channel_chunks_no_pad": (8, 6, 6, (3, 3), (1, 1), (0, 0), 4, 4, 4, 4),
    "rect_stride2_whole_window": (2, 5, 7, (3, 3), (2, 2), (1, 1), 3, 4, 2, 18),
    "pointwise": (4, 4, 4, (1, 1), (1, 1), (0, 0), 4, 4, 4, 4),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("stall", [0.0, 0.6])
def test_swu(tmp_path, case, stall):
    c, h, w, k, stride, pad, out_h, out_w, in_n, simd = CASES[case]
    rng = random.Random(case)
    frames = [[[[rng.randint(-128, 127) for _ in range(c)] for _ in range(w)] for _ in range(h)]
              for _ in range(FRAMES)]  # fmt: skip
    beats = [pack(px[g * in_n : (g + 1) * in_n], 8)
             for f in frames for row in f for px in row for g in range(c // in_n)]  # fmt: skip
    mw = k[0] * k[1] * c
    per_frame = out_h * out_w * mw // simd
    params = dict(EW=8, C=c, H=h, W=w, KH=k[0], KW=k[1], SH=stride[0], SW=stride[1],
                  PT=pad[0], PL=pad[1], OH=out_h, OW=out_w, IN_N=in_n, SIMD=simd)  # fmt: skip
    run = run_stream("ff_swu", params, beats, per_frame * FRAMES, tmp_path / "b", stall=stall)
    got = [v for word in run["out_data"] for v in unpack(word, simd, 8, True)]
    want = [v for f in frames for vec in im2col(f, c, h, w, k, stride, pad, out_h, out_w)
            for v in vec]  # fmt: skip
    assert len(got) == len(want) and got == want
    if stall == 0.0:
        # the first window leaves one cycle after the beat that completes its last pixel
        first_pixel = max(0, k[0] - 1 - pad[0]) * w + max(0, k[1] - 1 - pad[1])
        need_beat = (first_pixel + 1) * (c // in_n) - 1
        assert run["out_at"][0] == run["in_at"][need_beat] + 1
