"""QFX: quantization-aware training to fixed point with a learned binary point.

    model = qfx.prepare(torch_module, QfxConfig(width=6), example_inputs=x, calibration={"x": batch})
    ... train `model` like any torch module (its outputs are fixed-point values) ...
    qgraph = qfx.export(model)       # execute(qgraph) == model.eval() forward, bit for bit

See docs/qfx.md for the quantizer, its gradients and the K-hot (multiplier-free) mode.
"""

from fpgaforge.quant.qfx.export import export, prepare
from fpgaforge.quant.qfx.model import QfxConfig, QfxModel

__all__ = ["QfxConfig", "QfxModel", "export", "prepare"]
