"""Write the ONNX files of `baidu_face_server/proposals.py` from MTCNN's published weights.

Usage: .venv/bin/python scripts/make_face_proposals.py MTCNN_WEIGHTS_NPY

MTCNN_WEIGHTS_NPY is `mtcnn/data/mtcnn_weights.npy` from the MIT-licensed `mtcnn` 0.1.1 wheel
on PyPI (`pip download --no-deps mtcnn==0.1.1`, then unzip it): Keras weights of the original
MTCNN networks. Only the first two networks are written. Needs the `onnx` package
(`pip install onnx`), which nothing else here uses. The files keep MTCNN's layout: an image goes
in with its x axis first, and each network answers how likely a face is (channel 1 of `face`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

MODELS = Path(__file__).resolve().parents[1] / "baidu_face_server" / "models"
OPSET = 17
# P-Net: three 3x3 convolutions (one 2x2 max-pool) and a 1x1 face/not-face layer.
PNET = ("conv", "prelu", "pool 2 2 same", "conv", "prelu", "conv", "prelu", "conv")
# R-Net: three convolutions and two dense layers on a 24x24 crop.
RNET = (
    "conv", "prelu", "pool 3 2 same", "conv", "prelu", "pool 3 2 valid", "conv", "prelu",
    "flatten", "dense", "prelu", "dense",
)  # fmt: skip


def network(name: str, weights: list[NDArray[Any]], layers: tuple[str, ...], side: int | None) -> onnx.ModelProto:
    """Build one network; `weights` are Keras's, in layer order (the regression heads after the last are unused)."""
    nodes: list[onnx.NodeProto] = []
    tensors: list[onnx.TensorProto] = []
    given = iter(weights)
    current = "image"
    for index, layer in enumerate(layers):
        kind, *args = layer.split()
        out = f"layer{index}"
        if kind in {"conv", "dense"}:
            kernel, bias = next(given), next(given)
            # Keras keeps convolution kernels as (height, width, in, out); ONNX as (out, in, height, width).
            onnx_kernel = kernel.transpose(3, 2, 0, 1) if kind == "conv" else kernel
            tensors += [
                numpy_helper.from_array(np.ascontiguousarray(onnx_kernel, dtype=np.float32), f"{out}.w"),
                numpy_helper.from_array(bias.astype(np.float32), f"{out}.b"),
            ]
            op = "Conv" if kind == "conv" else "Gemm"
            nodes.append(helper.make_node(op, [current, f"{out}.w", f"{out}.b"], [out]))
        elif kind == "prelu":
            slope = next(given).astype(np.float32)
            tensors.append(numpy_helper.from_array(slope.reshape(-1, 1, 1) if slope.ndim == 3 else slope, f"{out}.a"))
            nodes.append(helper.make_node("PRelu", [current, f"{out}.a"], [out]))
        elif kind == "pool":
            size, stride, padding = int(args[0]), int(args[1]), args[2]
            # Keras pads "same" pools at the end, as SAME_UPPER does.
            pads = {"auto_pad": "SAME_UPPER"} if padding == "same" else {}
            nodes.append(
                helper.make_node("MaxPool", [current], [out], kernel_shape=[size] * 2, strides=[stride] * 2, **pads)
            )
        elif kind == "flatten":  # Keras flattens channels last
            nodes.append(helper.make_node("Transpose", [current], [f"{out}.t"], perm=[0, 2, 3, 1]))
            nodes.append(helper.make_node("Flatten", [f"{out}.t"], [out], axis=1))
        current = out
    nodes.append(helper.make_node("Softmax", [current], ["face"], axis=1))
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [None, 3, side, side])
    face = helper.make_tensor_value_info("face", TensorProto.FLOAT, [None, 2] + ([None, None] if side is None else []))
    model = helper.make_model(
        helper.make_graph(nodes, name, [image], [face], tensors), opset_imports=[helper.make_opsetid("", OPSET)]
    )
    model.ir_version = 8  # readable by every ONNX Runtime since 1.10
    onnx.checker.check_model(model)
    return model


def main() -> None:
    """Write mtcnn_pnet.onnx and mtcnn_rnet.onnx."""
    weights = np.load(sys.argv[1], allow_pickle=True).item()  # the file is a pickled dict: only run it on that wheel
    MODELS.mkdir(exist_ok=True)
    onnx.save(network("pnet", weights["pnet"], PNET, None), MODELS / "mtcnn_pnet.onnx")
    onnx.save(network("rnet", weights["rnet"], RNET, 24), MODELS / "mtcnn_rnet.onnx")


if __name__ == "__main__":
    main()
