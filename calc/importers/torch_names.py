"""PyTorch's API as model code names it: which names the PyTorch source reader knows, checked against
calc's own tables and never looked up in Python.

- torch.nn's classes: any name is known (``isinstance(m, nn.GroupNorm)`` in an initialisation loop is
  fine); making one that the pytorch dialect's registry lacks is refused where it is made;
- ``FUNCTIONAL``: torch.nn.functional's (and torch's) functions of one tensor that are a torch.nn layer
  under another name (``F.relu`` is ``nn.ReLU``), with their positional parameters;
- ``TENSOR_FUNCTIONS``: the torch functions and Tensor methods the reader follows as dialect operations;
- ``POSITIONAL``: torch.nn's order of positional arguments where it differs from the dialect class's.
"""

from __future__ import annotations

from dataclasses import dataclass

from calc.errors import CalcError

#: Namespaces and what they hold; every other torch name is refused where it is used.
MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "math", "collections", "typing")
#: torch names that would fetch or run code, refused with a reason of their own.
REFUSED = {
    "hub": "torch.hub loads code and weights from the internet; calc reads the model's own source only",
    "load": "torch.load unpickles a file (which can run code); calc reads the model's own source only",
    "jit": "TorchScript compiles and runs code; calc reads the model's own source only",
    "autograd": "custom autograd runs code calc does not read; write the layers with torch.nn",
    "compile": "torch.compile runs the model; calc reads its source only",
    "fx": "torch.fx traces by running the model; calc reads its source only",
    "ops": "torch.ops calls compiled operators calc does not read",
}
#: torch namespaces of training scripts (optimizers, data, devices, saving): their values are passed around
#: unread, never part of the model.
TRAINING = frozenset(
    {
        "optim",
        "utils",
        "cuda",
        "device",
        "manual_seed",
        "no_grad",
        "save",
        "backends",
        "distributed",
        "set_grad_enabled",
    }
)
#: F.name -> (torch.nn class, its positional parameters after the input, keywords that are not the class's).
FUNCTIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ("inplace",)),
    "relu6": ("ReLU6", ("inplace",)),
    "elu": ("ELU", ("alpha", "inplace")),
    "selu": ("SELU", ("inplace",)),
    "gelu": ("GELU", ()),
    "silu": ("SiLU", ("inplace",)),
    "mish": ("Mish", ("inplace",)),
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "hardswish": ("Hardswish", ("inplace",)),
    "hardsigmoid": ("Hardsigmoid", ("inplace",)),
    "leaky_relu": ("LeakyReLU", ("negative_slope", "inplace")),
    "softplus": ("Softplus", ("beta", "threshold")),
    "softmax": ("Softmax", ("dim",)),
    "log_softmax": ("LogSoftmax", ("dim",)),
    "dropout": ("Dropout", ("p", "training", "inplace")),
    "dropout2d": ("Dropout2d", ("p", "training", "inplace")),
    "max_pool1d": ("MaxPool1d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    "max_pool2d": ("MaxPool2d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    "max_pool3d": ("MaxPool3d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    "avg_pool1d": ("AvgPool1d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")),
    "avg_pool2d": (
        "AvgPool2d",
        ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    ),
    "adaptive_avg_pool1d": ("AdaptiveAvgPool1d", ("output_size",)),
    "adaptive_avg_pool2d": ("AdaptiveAvgPool2d", ("output_size",)),
    "adaptive_max_pool2d": ("AdaptiveMaxPool2d", ("output_size", "return_indices")),
    "interpolate": ("Upsample", ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")),
    "layer_norm": ("LayerNorm", ("normalized_shape",)),  # only without weights (refused otherwise)
}
#: Keywords of a functional form that the module has not (F.dropout's training): read and dropped.
FUNCTION_ONLY = frozenset({"training"})
#: torch functions that are Tensor methods too, and the dialect operation each is.
TENSOR_FUNCTIONS = frozenset(
    {
        "cat",
        "concat",
        "stack",
        "flatten",
        "reshape",
        "view",
        "permute",
        "transpose",
        "matmul",
        "bmm",
        "add",
        "sub",
        "mul",
        "mean",
        "sum",
        "chunk",
        "split",
        "unsqueeze",
        "squeeze",
        "relu",
        "sigmoid",
        "tanh",
        "softmax",
        "log_softmax",
        "zeros",
        "ones",
        "randn",
        "rand",
        "empty",
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "pad",
        "scaled_dot_product_attention",
    }
)
#: torch.nn's positional order where the dialect class's signature differs (BatchNorm2d(64, 1e-3)).
POSITIONAL: dict[str, tuple[str, ...]] = {
    **{f"BatchNorm{n}d": ("num_features", "eps", "momentum", "affine", "track_running_stats") for n in (1, 2, 3)},
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "AvgPool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "AvgPool3d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    **{
        name: ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional")
        for name in ("RNN", "LSTM", "GRU")
    },
    "MultiheadAttention": ("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim"),
    "Dropout": ("p", "inplace"),
    "Dropout2d": ("p", "inplace"),
    "LeakyReLU": ("negative_slope", "inplace"),
    "ReLU": ("inplace",),
    "ReLU6": ("inplace",),
    "PReLU": ("num_parameters", "init"),
    "Upsample": ("size", "scale_factor", "mode", "align_corners"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx"),
}


@dataclass(frozen=True)
class TorchName:
    """A name of PyTorch's API (``torch.nn.Conv2d``) or of a pure module (``math.sqrt``), as a path."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.path)

    @property
    def described(self) -> str:
        return f"'{self}'"


def module(name: str) -> TorchName | None:
    """The namespace an import names, or None when calc does not follow it (``import torch.optim`` may stay in
    a training script; its names are refused where they are used)."""
    return TorchName(tuple(name.split("."))) if name in MODULES else None


def member(owner: TorchName, name: str) -> TorchName:
    """``owner.name``, when calc knows it; anything else is refused here, where it is named."""
    path = (*owner.path, name)
    dotted = ".".join(path)
    if owner.path == ("torch",) and name in REFUSED:
        raise CalcError(f"calc does not follow torch.{name}: {REFUSED[name]}")
    if dotted in MODULES or (len(path) > 1 and path[0] == "torch" and path[1] in TRAINING):
        return TorchName(path)
    known = (
        (owner.path == ("torch", "nn") and name[:1].isupper())  # a class calc does not model: refused when made
        or (owner.path == ("torch", "nn", "functional") and (name in FUNCTIONAL or name in TENSOR_FUNCTIONS))
        or (owner.path == ("torch",) and (name in TENSOR_FUNCTIONS or name in FUNCTIONAL or name == "Tensor"))
        or owner.path == ("torch", "nn", "init")
        or (owner.path == ("math",) and name in ("sqrt", "ceil", "floor", "log2", "prod"))
        or (owner.path == ("collections",) and name == "OrderedDict")
        or owner.path == ("typing",)
    )
    if not known:
        raise CalcError(f"calc does not know {dotted} (it follows torch.nn layers and the operations in its docs)")
    return TorchName(path)
