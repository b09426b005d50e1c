"""torch.nn classes that PyTorch itself builds from other modules, built the same way by the reader:
nn.TransformerEncoderLayer (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2) and
nn.TransformerEncoder (copies of its layer as layers.0, layers.1, ..., and norm), called as their unfused
forward() calls those modules, so every row is named and counted as named_modules() has it.

A mixin of the reader (``torch_source._Reader``): it uses ``fail``, ``where``, ``module_call``,
``functional`` and ``combine``.
"""

from __future__ import annotations

import ast
from typing import Any

from calc.importers.torch_objects import Container, Instance, Leaf, ModuleClass, Tensor, clone
from calc.importers.torch_operations import is_size
from calc.layers.base import suggest

#: torch.nn classes the reader builds from their modules, with PyTorch's positional order.
TRANSFORMER = {
    "TransformerEncoderLayer": (
        "d_model",
        "nhead",
        "dim_feedforward",
        "dropout",
        "activation",
        "layer_norm_eps",
        "batch_first",
        "norm_first",
        "bias",
    ),
    "TransformerEncoder": ("encoder_layer", "num_layers", "norm", "enable_nested_tensor", "mask_check"),
}


class BuiltModules:
    """nn.TransformerEncoderLayer and nn.TransformerEncoder from their modules."""

    def transformer(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Instance:
        """nn.TransformerEncoderLayer and nn.TransformerEncoder as PyTorch builds them: the modules they hold,
        under PyTorch's names (self_attn, linear1, norm1, ...; layers.0, layers.1, ...)."""
        given = self.bind(node, f"nn.{name}", TRANSFORMER[name], args, kwargs)
        unknown = sorted(set(given) - set(TRANSFORMER[name]) - {"device", "dtype"})
        if unknown:
            raise self.fail(node, f"nn.{name} has no argument '{unknown[0]}'{suggest(unknown[0], TRANSFORMER[name])}")
        cls = ModuleClass(name, {}, {})
        if name == "TransformerEncoder":
            layer, count = given.get("encoder_layer"), given.get("num_layers")
            if not (isinstance(layer, Instance) and layer.cls.name == "TransformerEncoderLayer") or not is_size(count):
                raise self.fail(node, "nn.TransformerEncoder takes an nn.TransformerEncoderLayer and num_layers")
            copies = {str(i): clone(layer) for i in range(int(count))}
            attributes: dict[str, Any] = {"layers": Container("ModuleList", copies)}
            if given.get("norm") is not None:
                attributes["norm"] = given["norm"]
            return Instance(cls, attributes, True)
        d, heads = given.get("d_model"), given.get("nhead")
        if not is_size(d) or not is_size(heads):
            raise self.fail(node, "nn.TransformerEncoderLayer needs d_model and nhead")
        where, bias = self.where(node), given.get("bias", True)
        p, feed = given.get("dropout", 0.1), given.get("dim_feedforward", 2048)
        activation = given.get("activation", "relu")
        if not (activation in ("relu", "gelu") or isinstance(activation, Leaf)):
            raise self.fail(node, "calc reads activation='relu', 'gelu' or a torch.nn activation module")
        eps = given.get("layer_norm_eps", 1e-5)
        attention = {"embed_dim": d, "num_heads": heads, "dropout": p, "bias": bias, "batch_first": True}
        attributes = {
            "self_attn": Leaf("MultiheadAttention", attention, where),
            "linear1": Leaf("Linear", {"in_features": d, "out_features": feed, "bias": bias}, where),
            "dropout": Leaf("Dropout", {"p": p}, where),
            "linear2": Leaf("Linear", {"in_features": feed, "out_features": d, "bias": bias}, where),
            "norm1": Leaf("LayerNorm", {"normalized_shape": d, "eps": eps, "bias": bias}, where),
            "norm2": Leaf("LayerNorm", {"normalized_shape": d, "eps": eps, "bias": bias}, where),
            "dropout1": Leaf("Dropout", {"p": p}, where),
            "dropout2": Leaf("Dropout", {"p": p}, where),
        }
        if isinstance(activation, Leaf):
            attributes["activation"] = activation
        attributes["_options"] = {"norm_first": bool(given.get("norm_first", False)), "activation": activation}
        return Instance(cls, attributes, True)

    def transformer_forward(self, node: ast.Call, instance: Instance, args: list, kwargs: dict) -> Tensor:
        """PyTorch's forward of the two classes (the slow path, whose module calls its hooks see)."""
        extra = {k for k, v in kwargs.items() if v is not None and k != "is_causal"}
        if len(args) != 1 or extra:
            raise self.fail(node, f"calc calls {instance.described} on one tensor, without masks")
        modules, x = instance.attributes, args[0]
        if instance.cls.name == "TransformerEncoder":
            for layer in modules["layers"].children.values():
                x = self.module_call(node, layer, [x], {})
            return self.module_call(node, modules["norm"], [x], {}) if "norm" in modules else x
        options = modules["_options"]

        def call(name: str, value: Any) -> Any:
            return self.module_call(node, modules[name], [value], {})

        def attention(value: Tensor) -> Tensor:
            out, _ = self.module_call(node, modules["self_attn"], [value, value, value], {})
            return call("dropout1", out)

        def feed_forward(value: Tensor) -> Tensor:
            hidden = call("linear1", value)
            if isinstance(options["activation"], Leaf):
                hidden = call("activation", hidden)
            else:
                hidden = self.functional(node, options["activation"], hidden, [], {})
            return call("dropout2", call("linear2", call("dropout", hidden)))

        if options["norm_first"]:
            x = self.combine(node, "add", [x, attention(call("norm1", x))])
            return self.combine(node, "add", [x, feed_forward(call("norm2", x))])
        x = call("norm1", self.combine(node, "add", [x, attention(x)]))
        return call("norm2", self.combine(node, "add", [x, feed_forward(x)]))
