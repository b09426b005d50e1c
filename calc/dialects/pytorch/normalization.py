"""torch.nn BatchNorm1d/2d/3d, GroupNorm and LayerNorm (and torchvision's LayerNorm2d, a LayerNorm over the
channels of [N, C, H, W]): the shape passes through; only the affine terms count.

PyTorch counts parameters (tensors that receive gradients) and nothing else. BatchNorm's running
mean, running variance and ``num_batches_tracked`` are *buffers*: saved with the model, never
counted. Keras's BatchNormalization reports its moving mean and variance as 2C non-trainable
parameters, so the same layer shows 4C in Keras and 2C in PyTorch.
"""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_divides, check_matches, torch_shape
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape, Value, agree, fmt, to_bool, to_expr
from calc.layers.layout import CHANNELS_FIRST
from calc.layers.normalization import (
    AFFINE,
    BATCH_NORM_NO_MACS,
    COUNTED_MEAN_AND_VARIANCE,
    ONE_PER_FEATURE,
    STATISTICS_NO_MACS,
    WRONG_AXIS,
    beta,
    c,
    gamma,
)
from calc.rules import Mistake, Rule, Step, apply

# The learned part is Keras's affine rule, P = (gamma + beta) c; what PyTorch leaves out is said here.
BATCH_NORM = Rule(
    lhs="P",
    expr=AFFINE.expr,
    why="With affine, PyTorch learns a scale (weight) and a shift (bias) for each of the c channels. "
    "The running mean and variance and num_batches_tracked are buffers, not parameters, so PyTorch does "
    "not count them; Keras reports its moving mean and variance as 2c non-trainable parameters.",
    mistakes=(
        Mistake(
            "counted_buffers",
            None,
            "That also counts the running mean and variance; PyTorch keeps them as buffers, which are saved "
            "with the model but are not parameters (Keras would list them as non-trainable).",
            replaces=COUNTED_MEAN_AND_VARIANCE,
        ),
        Mistake(
            "counted_buffers",
            AFFINE.expr.xreplace(COUNTED_MEAN_AND_VARIANCE) + 1,  # and num_batches_tracked
            "That also counts the running mean and variance and num_batches_tracked; PyTorch keeps them as "
            "buffers, which are saved with the model but are not parameters.",
        ),
        ONE_PER_FEATURE,
        WRONG_AXIS,
    ),
)
BATCH_NORM_NO_AFFINE_WHY = (
    "Without affine there is no learned scale or shift, so no parameters. The running statistics are "
    "buffers, which PyTorch does not count (Keras would report them as non-trainable parameters)."
)
LAYER_NORM_WHY = (
    "With elementwise_affine, PyTorch learns a weight for each of the c normalized elements (the product "
    "of normalized_shape) and, unless bias=False, a bias for each too. There are no running statistics."
)
LAYER_NORM_NO_AFFINE_WHY = "Without elementwise_affine there is no learned weight or bias: no parameters."
LAYER_NORM_2D_WHY = (
    "With elementwise_affine, torchvision's LayerNorm2d learns a weight for each of the c channels and, unless "
    "bias=False, a bias for each too, shared by every position. There are no running statistics."
)
GROUP_NORM_WHY = (
    "With affine, PyTorch learns a weight and a bias for each of the c channels (not for each group): the "
    "groups share out the statistics only, which are each example's own, with no running statistics."
)
GROUP_NORM_NO_AFFINE_WHY = "Without affine there is no learned weight or bias: no parameters."


class BatchNormNd(TorchLayer):
    """Batch normalization over the channel axis (axis 1 in PyTorch's count, the first one here)."""

    data_format = CHANNELS_FIRST
    no_macs = BATCH_NORM_NO_MACS
    field_effect = "keeps"

    neutral = TorchLayer.neutral | {"eps", "momentum"}
    ranks: ClassVar[tuple[int, int]]

    def __init__(self, num_features: Value, affine: bool = True, track_running_stats: bool = True, **options: Any):
        super().__init__(**options)
        self.num_features = to_expr(num_features, "num_features")
        self.affine = to_bool(affine, "affine")
        self.track_running_stats = to_bool(track_running_stats, "track_running_stats")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.ranks

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        features = env.positive(self.num_features, "num_features")
        # PyTorch compares the channels with the length of the weight or running-mean tensors; with
        # neither (affine=False, track_running_stats=False) it has nothing to compare and accepts any.
        if self.affine or self.track_running_stats:
            check_matches(features, shape[0], "num_features", f"the input {torch_shape(shape)} has {{}} channels", env)
        why = None if self.affine else BATCH_NORM_NO_AFFINE_WHY
        flag = sp.Integer(int(self.affine))
        step = apply(BATCH_NORM, "Parameters", {c: features}, fixed={gamma: flag, beta: flag}, why=why)
        description: list = ["normalizes each of ", features, " channels over the batch"]
        if self.track_running_stats:
            description.append("; keeps running mean and variance as buffers, which are not parameters")
        return _same_shape(shape, step, description)


class BatchNorm1d(BatchNormNd):
    ranks = (1, 2)


class BatchNorm2d(BatchNormNd):
    ranks = (3, 3)


class BatchNorm3d(BatchNormNd):
    ranks = (4, 4)


class LayerNorm(TorchLayer):
    """Normalizes over the last axes, which must equal ``normalized_shape``."""

    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    neutral = TorchLayer.neutral | {"eps"}

    def __init__(self, normalized_shape: Any, elementwise_affine: bool = True, bias: bool = True, **options: Any):
        super().__init__(**options)
        sizes = normalized_shape if isinstance(normalized_shape, (list, tuple)) else [normalized_shape]
        if not sizes:
            raise CalcError("normalized_shape must name at least one size")
        self.normalized_shape = tuple(to_expr(x, "normalized_shape") for x in sizes)
        self.elementwise_affine = to_bool(elementwise_affine, "elementwise_affine")
        self.bias = to_bool(bias, "bias")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        normalized = tuple(env.positive(x, "normalized_shape") for x in self.normalized_shape)
        count = len(normalized)
        if len(shape) < count:
            raise CalcError(f"normalized_shape {list(normalized)} has more axes than the input {torch_shape(shape)}")
        last = shape[-count:]
        if not all(agree(x, y, "normalized_shape", "the input's last axes", env) for x, y in zip(normalized, last)):
            listed = ", ".join(fmt(x) for x in normalized)
            raise CalcError(
                f"normalized_shape [{listed}] does not match the last axes of the input {torch_shape(shape)}"
            )
        words = (
            ["normalizes each example over its last axis"]
            if count == 1
            else ["normalizes each example over its last ", count, " axes"]
        )
        return self._normalized(shape, prod(normalized), words)

    #: Why the weight and bias count as they do, in this class's words.
    affine_why: ClassVar[str] = LAYER_NORM_WHY

    def _normalized(self, shape: Shape, count: sp.Expr, description: list) -> LayerResult:
        """The shape passes through; the weight and bias, when learned, have one value per normalized element."""
        affine = self.elementwise_affine
        fixed = {gamma: sp.Integer(int(affine)), beta: sp.Integer(int(affine and self.bias))}
        why = self.affine_why if affine else LAYER_NORM_NO_AFFINE_WHY
        return _same_shape(shape, apply(AFFINE, "Parameters", {c: count}, fixed=fixed, why=why), description)


class LayerNorm2d(LayerNorm):
    """torchvision's LayerNorm2d (ConvNeXt's): a LayerNorm over the channel axis of [N, C, H, W], each position
    normalized over its C channels (torchvision permutes the channels last, normalizes, permutes back), so
    ``normalized_shape`` is the channel count: LayerNorm's parameter rule with c = C."""

    data_format = "channels_first"
    affine_why = LAYER_NORM_2D_WHY

    def accepted_ranks(self) -> tuple[int, int | None]:
        return (3, 3)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        if len(self.normalized_shape) != 1:
            raise CalcError("normalized_shape of LayerNorm2d is one size, the channel count")
        channels = env.positive(self.normalized_shape[0], "normalized_shape")
        check_matches(channels, shape[0], "normalized_shape", f"the input {torch_shape(shape)} has {{}} channels", env)
        return self._normalized(shape, channels, ["normalizes each position over its ", channels, " channels"])


class GroupNorm(TorchLayer):
    """nn.GroupNorm(num_groups, num_channels): each example's channels (axis 1 of [N, C, *]) in num_groups
    groups, each normalized over its channels and positions; num_groups must divide num_channels."""

    data_format = "channels_first"
    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    neutral = TorchLayer.neutral | {"eps"}

    def __init__(self, num_groups: Value, num_channels: Value, affine: bool = True, **options: Any):
        super().__init__(**options)
        self.num_groups = to_expr(num_groups, "num_groups")
        self.num_channels = to_expr(num_channels, "num_channels")
        self.affine = to_bool(affine, "affine")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return (1, None)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        groups = env.positive(self.num_groups, "num_groups")
        channels = env.positive(self.num_channels, "num_channels")
        check_divides(groups, channels, "num_channels", by="num_groups")
        check_matches(channels, shape[0], "num_channels", f"the input {torch_shape(shape)} has {{}} channels", env)
        flag = sp.Integer(int(self.affine))
        why = GROUP_NORM_WHY if self.affine else GROUP_NORM_NO_AFFINE_WHY
        step = apply(AFFINE, "Parameters", {c: channels}, fixed={gamma: flag, beta: flag}, why=why)
        return _same_shape(shape, step, ["normalizes ", groups, " groups of ", channels / groups, " channels each"])


def _same_shape(shape: Shape, step: Step, description: list) -> LayerResult:
    """A normalization's result: the shape unchanged, the affine terms (``step``) all trainable."""
    return LayerResult(
        output_shape=shape,
        trainable=step.value,
        non_trainable=sp.Integer(0),
        param_steps=[step],
        description=description,
    )
