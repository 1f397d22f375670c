"""Hardware templates, one module each, with the cost model next to the definition.

| kind | class | hardware |
|---|---|---|
| mvau | `MVAU` | streaming dense / matmul engine (PE × SIMD, FINN MVAU) |
| conv | `ConvSWU` | sliding window (line buffer) + MVAU, optional fused pool |
| depthwise | `DepthwiseVVAU` | sliding window + vector-vector unit |
| pool | `Pool` | streaming max / avg / global pooling |
| eltwise | `Eltwise` | add, mul, affine, relu, max of one or two streams |
| lut_activation | `LutActivation` | table-lookup nonlinearity |
| softmax_norm | `SoftmaxNorm` | softmax, LayerNorm, reduce, LRN |
| requant | `Requant` | stand-alone requantization |
| stream | `StreamOp` | reshape (free), routing, transposes (frame buffer) |
| sparse_gemm | `SparseGemm` | N:M sparse MVAU (future kernel) |
| hadamard | `Hadamard` | fast Walsh-Hadamard transform (future kernel) |
| ssm_scan | `SSMScan` | Mamba selective scan (future kernel) |
| tiled_engine / tiled_gemm / tiled_vector | `TiledGemmEngine`, `TiledGemmLayer`, `TiledVectorLayer` | shared systolic GEMM array + vector unit |
"""

from fpgaforge.dataflow.templates.activation import LutActivation
from fpgaforge.dataflow.templates.base import CostContext, Epilogue, Template
from fpgaforge.dataflow.templates.conv import ConvSWU
from fpgaforge.dataflow.templates.depthwise import DepthwiseVVAU
from fpgaforge.dataflow.templates.eltwise import Eltwise
from fpgaforge.dataflow.templates.hadamard import Hadamard
from fpgaforge.dataflow.templates.mvau import MVAU
from fpgaforge.dataflow.templates.pool import Pool
from fpgaforge.dataflow.templates.requant import Requant
from fpgaforge.dataflow.templates.softmax_norm import SoftmaxNorm
from fpgaforge.dataflow.templates.sparse_gemm import SparseGemm
from fpgaforge.dataflow.templates.ssm_scan import SSMScan
from fpgaforge.dataflow.templates.stream import StreamOp
from fpgaforge.dataflow.templates.tiled_gemm import (
    TiledGemmEngine,
    TiledGemmLayer,
    TiledVectorLayer,
)

TEMPLATES: dict[str, type[Template]] = {
    cls.kind: cls
    for cls in (
        MVAU,
        ConvSWU,
        DepthwiseVVAU,
        Pool,
        Eltwise,
        LutActivation,
        SoftmaxNorm,
        Requant,
        StreamOp,
        SparseGemm,
        Hadamard,
        SSMScan,
        TiledGemmEngine,
        TiledGemmLayer,
        TiledVectorLayer,
    )
}
"""Template classes by `kind` (used to rebuild a schedule from JSON)."""

__all__ = [
    "TEMPLATES",
    "ConvSWU",
    "CostContext",
    "DepthwiseVVAU",
    "Eltwise",
    "Epilogue",
    "Hadamard",
    "LutActivation",
    "MVAU",
    "Pool",
    "Requant",
    "SSMScan",
    "SoftmaxNorm",
    "SparseGemm",
    "StreamOp",
    "Template",
    "TiledGemmEngine",
    "TiledGemmLayer",
    "TiledVectorLayer",
]
