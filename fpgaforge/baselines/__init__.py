"""CPU and GPU baselines for `fpgaforge compare`: what the same model does off the FPGA.

    cpu        onnxruntime on this machine's CPU: the float model and its int8 QDQ model,
               timed (warm-up, repeats, median and spread); power from RAPL when readable,
               else a stated TDP-per-core assumption
    gpu        torch on CUDA when a GPU is present (synchronised timing, power sampled from
               NVML / nvidia-smi), otherwise a roofline model over a datasheet table
    workload   MACs, parameters and activation sizes of a float graph, per node
    timing     the repeat-and-median timer both use
    power      RAPL counters, /proc/cpuinfo, the CPU power assumption

Every row says how each figure was obtained: `measured`, `modeled` or `assumed`. This
package sits beside `frontend`, `quant` and `boards` (it imports `ir` and `frontend`).
"""

from __future__ import annotations

PROVENANCE = ("measured", "estimated", "modeled", "assumed")
"""How a figure was obtained: measured on this machine, estimated by the scheduler's cost
models, modeled from datasheet numbers (roofline), or assumed (a stated constant)."""
