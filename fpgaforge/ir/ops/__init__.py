"""fpgaforge's op set. Importing this package registers every op."""

from fpgaforge.ir.ops import (  # noqa: F401
    conv,
    elementwise,
    intssm,
    linear,
    normalize,
    pool,
    quantize,
    quantized,
    select,
    sequence,
    shape_ops,
    ssm,
)
from fpgaforge.ir.ops.registry import (
    REQUIRED,
    TRAIT_DOCS,
    OpDef,
    Trait,
    get,
    has_trait,
    names,
    ops_with,
    register,
)

__all__ = [
    "REQUIRED",
    "TRAIT_DOCS",
    "OpDef",
    "Trait",
    "get",
    "has_trait",
    "names",
    "ops_with",
    "register",
]
