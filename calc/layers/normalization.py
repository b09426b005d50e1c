"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization,
UnitNormalization, Normalization, and Rescaling. None changes the shape.

The learned part is the same everywhere: a scale γ and an offset β per normalized feature, each present
when enabled (``scale``, ``center``):
    P = (γ + β) c
BatchNormalization also keeps a moving mean and a moving variance per feature, updated by averaging
rather than by gradients, so Keras counts them as non-trainable (2c; ``renorm`` adds three more vectors).
The Normalization layer learns nothing by gradients: its mean, variance and example count come from
``adapt()``, so all of it is non-trainable (2c + 1), or nothing when mean and variance are given.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.axes import keras_axes, keras_axis
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, agree, fmt, to_bool, to_expr
from calc.rules import Mistake, Rule, apply, local_symbols, note

gamma, beta, rho, c = local_symbols("gamma beta rho c")

AFFINE_WHY = (
    "The layer learns a scale γ and an offset β for each of the c normalized features, "
    "each only when enabled (scale, center)."
)
AFFINE = Rule(
    lhs="P",
    expr=(gamma + beta) * c,
    why=AFFINE_WHY,
    mistakes=lambda: (
        Mistake(
            "counted_statistics",
            None,
            "This layer normalizes each example by its own statistics and keeps none: only its scale γ and offset "
            "β count, not a moving mean and variance as in BatchNormalization.",
            replaces=COUNTED_MEAN_AND_VARIANCE,
        ),
        ONE_PER_FEATURE,
        WRONG_AXIS,
    ),
)
WRONG_AXIS: Mistake = Mistake(
    "wrong_axis",
    None,
    "c is the size of the normalized axis, the channels or features ({actual}), not {value} ({source}): "
    "there is one of each weight per channel, shared by every position.",
    substitute=c,
    alternatives="input_axes",
)
ONE_PER_FEATURE: Mistake = Mistake(
    "one_param_per_feature",
    None,
    "Each of the c = {c} features has two learned values, a scale γ and an offset β: 2c, not c.",
    replaces={beta: 0},
)
BATCH_NORM_TRAINABLE = Rule(
    lhs="P",
    name="Trainable parameters of batch normalization",
    contrast="Keras counts 4c parameters for a BatchNormalization layer, 2c of them non-trainable (the moving "
    "mean and variance); PyTorch's BatchNorm2d reports only the 2c of γ and β as parameters and keeps the "
    "moving statistics as buffers, which parameters() does not list.",
    expr=AFFINE.expr,
    why=AFFINE_WHY + " Only these are trained by gradients.",
    mistakes=lambda: (
        Mistake(
            "counted_non_trainable",
            None,
            "That also counts the moving mean and variance; Keras keeps them as weights but updates them by "
            "averaging, not by gradients, so they are non-trainable.",
            replaces=COUNTED_STATISTICS,
        ),
        ONE_PER_FEATURE,
        WRONG_AXIS,
    ),
)
BATCH_NORM_STATISTICS = Rule(
    lhs=r"P_{\mathrm{stats}}",
    name="Moving statistics of batch normalization",
    expr=(2 + 3 * rho) * c,
    why="The moving mean and the moving variance (one value per feature each) are averaged during "
    "training rather than learned, so Keras counts them as non-trainable; renormalization (ρ = 1) keeps "
    "three more such vectors.",
    mistakes=(
        Mistake(
            "forgot_moving_statistics",
            None,
            "Keras also counts the moving mean and variance, 2c = 2·{c} values, as non-trainable parameters "
            "(PyTorch keeps them as buffers and does not count them).",
            replaces={c: 0},
        ),
        WRONG_AXIS,
    ),
)
#: The moving statistics kept per feature (2 + 3ρ), read off their rule: a count that takes them for trained
#: weights adds them to the scale's one per feature (the trainable rule with γ replaced).
STATISTICS_PER_FEATURE: sp.Expr = BATCH_NORM_STATISTICS.expr / c
COUNTED_STATISTICS: dict[sp.Symbol, sp.Expr] = {gamma: gamma + STATISTICS_PER_FEATURE}
COUNTED_MEAN_AND_VARIANCE: dict[sp.Symbol, sp.Expr] = {gamma: gamma + STATISTICS_PER_FEATURE.xreplace({rho: 0})}
NORMALIZATION_STATISTICS = Rule(
    lhs=r"P_{\mathrm{stats}}",
    expr=2 * c + 1,
    why="adapt() stores a mean and a variance for each of the c features it keeps, and one count of "
    "the examples it has seen; none of them is trained.",
)
NO_PARAMETERS = "It rescales values with no weights of its own."
BATCH_NORM_NO_MACS = (
    "At inference the layer scales and shifts each value by constants (moving statistics, often folded into "
    "the previous layer's weights): element-wise work, 0 MACs in calc's count (fvcore counts 1 per value, "
    "2 with an affine scale and offset)."
)
STATISTICS_NO_MACS = (
    "The statistics of each example and the scaling are worked out value by value: element-wise work, 0 MACs "
    "in calc's count (fvcore counts 5 per value with an affine part, 4 without)."
)
SCALING_NO_MACS = "It subtracts and scales value by value: element-wise work, 0 MACs."


def _flags(scale: bool, center: bool) -> dict[sp.Symbol, sp.Expr]:
    return {gamma: sp.Integer(int(scale)), beta: sp.Integer(int(center))}


def _same_shape(shape: Shape, steps: list, trainable: sp.Expr, non_trainable: sp.Expr, description: list):
    return LayerResult(
        output_shape=shape,
        trainable=trainable,
        non_trainable=non_trainable,
        param_steps=steps,
        description=description,
    )


def _features(shape: Shape, axes: list[int]) -> sp.Expr:
    """How many features a per-axis weight has: the product of the sizes of those axes."""
    return sp.Mul(*(shape[i] for i in axes))


AFFINE_OPTIONS = frozenset(
    {
        "epsilon",
        "beta_initializer",
        "gamma_initializer",
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
    }
)


class BatchNormalization(Layer):
    """Keras BatchNormalization over the feature axis ``axis`` (the channels, by default)."""

    no_macs = BATCH_NORM_NO_MACS
    field_effect = "keeps"

    neutral_options = AFFINE_OPTIONS | {
        "momentum",
        "moving_mean_initializer",
        "moving_variance_initializer",
        "renorm_clipping",
        "renorm_momentum",
        "synchronized",
    }

    def __init__(self, axis: int = -1, center: bool = True, scale: bool = True, renorm: bool = False, **options: Any):
        super().__init__(**options)
        self.axis = axis
        self.center = to_bool(center, "center")
        self.scale = to_bool(scale, "scale")
        self.renorm = to_bool(renorm, "renorm")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        channels = shape[keras_axis(self.axis, len(shape))]
        fixed = {**_flags(self.scale, self.center), rho: sp.Integer(int(self.renorm))}
        trainable = apply(BATCH_NORM_TRAINABLE, "Trainable parameters", {c: channels}, fixed)
        statistics = apply(BATCH_NORM_STATISTICS, "Non-trainable parameters", {c: channels}, fixed)
        statistics.non_trainable = True  # the checker reads which steps make up which count
        described = [w for w, on in (("scale γ", self.scale), ("offset β", self.center)) if on]
        return _same_shape(
            shape,
            [trainable, statistics],
            trainable.value,
            statistics.value,
            [
                "normalizes each of ",
                channels,
                " features over the batch; learns ",
                " and ".join(described) or "nothing",
                "; keeps moving statistics" + (" with renormalization" if self.renorm else ""),
            ],
        )


class LayerNormalization(Layer):
    """Keras LayerNormalization over ``axis`` (one or several axes) of each example. Its statistics are not
    counted in the receptive field, which tracks the weighted sums a value comes from."""

    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    neutral_options = AFFINE_OPTIONS | {"rms_scaling"}

    def __init__(self, axis: int | list[int] = -1, center: bool = True, scale: bool = True, **options: Any):
        # Keras takes the deprecated rms_scaling through its **kwargs: scale by γ only, no β
        self.rms_scaling = to_bool(options.get("rms_scaling", False), "rms_scaling")
        super().__init__(**options)
        self.axis = axis
        self.center = to_bool(center, "center")
        self.scale = to_bool(scale, "scale")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        features = _features(shape, keras_axes(self.axis, len(shape)))
        scale, center = self.scale or self.rms_scaling, self.center and not self.rms_scaling
        step = apply(AFFINE, "Parameters", {c: features}, _flags(scale, center))
        return _same_shape(
            shape, [step], step.value, sp.Integer(0), ["normalizes each example over ", features, " features"]
        )


class RMSNormalization(Layer):
    """Keras RMSNormalization: divides by the root mean square over ``axis`` and learns a scale only."""

    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    neutral_options = frozenset({"epsilon"})

    def __init__(self, axis: int | list[int] = -1, **options: Any):
        super().__init__(**options)
        self.axis = axis

    def build(self, shape: Shape, env: Env) -> LayerResult:
        features = _features(shape, keras_axes(self.axis, len(shape)))
        step = apply(
            AFFINE,
            "Parameters",
            {c: features},
            _flags(True, False),
            why="The layer learns one scale for each of the c normalized features, and no offset.",
        )
        return _same_shape(
            shape, [step], step.value, sp.Integer(0), ["divides by the root mean square over ", features, " features"]
        )


class GroupNormalization(Layer):
    """Keras GroupNormalization: the c channels of ``axis`` in ``groups`` groups (-1: one per channel)."""

    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    neutral_options = AFFINE_OPTIONS

    def __init__(self, groups: Value = 32, axis: int = -1, center: bool = True, scale: bool = True, **options: Any):
        super().__init__(**options)
        self.groups = to_expr(groups, "groups")
        if self.groups.is_number and not (self.groups == -1 or (self.groups.is_Integer and self.groups > 0)):
            raise CalcError(
                f"groups must be a positive whole number (or -1 for one group per channel), got {quote(groups)}"
            )
        self.axis = axis
        self.center = to_bool(center, "center")
        self.scale = to_bool(scale, "scale")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        channels = shape[keras_axis(self.axis, len(shape))]
        groups = channels if self.groups == -1 else env.positive(self.groups, "groups")
        if (groups - channels).is_number and groups > channels:
            raise CalcError(f"groups ({fmt(groups)}) cannot be more than the {fmt(channels)} channels")
        if groups.is_Integer and channels.is_Integer and channels % groups:
            raise CalcError(f"groups ({fmt(groups)}) must divide the {fmt(channels)} channels")
        step = apply(AFFINE, "Parameters", {c: channels}, _flags(self.scale, self.center))
        return _same_shape(
            shape,
            [step],
            step.value,
            sp.Integer(0),
            ["normalizes ", groups, " groups of ", channels / groups, " channels each"],
        )


class UnitNormalization(Layer):
    """Keras UnitNormalization: scales each example to length 1 along ``axis``."""

    no_macs = STATISTICS_NO_MACS
    field_effect = "keeps"

    def __init__(self, axis: int | list[int] = -1, **options: Any):
        super().__init__(**options)
        self.axis = axis

    def build(self, shape: Shape, env: Env) -> LayerResult:
        keras_axes(self.axis, len(shape), allow_batch=True)
        return _same_shape(
            shape, [note("Parameters", 0, NO_PARAMETERS)], sp.Integer(0), sp.Integer(0), ["scales to unit length"]
        )


def _numbers(value: Any, what: str) -> Any:
    """A number, or a list of numbers (one per feature)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
        raise CalcError(f"{what} must be a number or a list of numbers, got {quote(value)}")
    return value


class Rescaling(Layer):
    """Keras Rescaling: x * scale + offset, element by element."""

    no_macs = SCALING_NO_MACS
    field_effect = "keeps"

    def __init__(self, scale: float | list[float], offset: float | list[float] = 0.0, **options: Any):
        super().__init__(**options)
        self.scale = _numbers(scale, "scale")
        self.offset = _numbers(offset, "offset")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return _same_shape(
            shape,
            [note("Parameters", 0, NO_PARAMETERS)],
            sp.Integer(0),
            sp.Integer(0),
            ["multiplies by a scale and adds an offset"],
        )


class Normalization(Layer):
    """Keras Normalization: (x - mean) / sqrt(variance) with statistics from ``adapt()`` or given.

    ``axis`` lists the axes that keep their own statistics (None: one mean and variance for all values).
    """

    no_macs = SCALING_NO_MACS
    field_effect = "keeps"

    def __init__(
        self, axis: int | list[int] | None = -1, mean: Any = None, variance: Any = None, invert: bool = False, **options
    ):
        super().__init__(**options)
        self.axis = () if axis is None or (isinstance(axis, (list, tuple)) and not axis) else axis
        if (mean is None) != (variance is None):
            raise CalcError("give both mean and variance, or neither (then adapt() computes them)")
        self.given = mean is not None
        if self.given:
            _numbers(mean, "mean")
            _numbers(variance, "variance")
        self.invert = to_bool(invert, "invert")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        axes = keras_axes(self.axis, len(shape)) if self.axis != () else []
        features = _features(shape, axes)
        if self.given:
            step = note("Parameters", 0, "The mean and variance are given as constants, not stored as weights.")
        else:
            step = apply(NORMALIZATION_STATISTICS, "Non-trainable parameters", {c: features})
            step.non_trainable = True
        return _same_shape(
            shape,
            [step],
            sp.Integer(0),
            step.value,
            ["standardizes with a mean and variance for each of ", features, " features"],
        )


LAYER_SCALE = Rule(
    lhs="P",
    expr=c,
    why="LayerScale multiplies each of the c channels by a learned factor of its own (Touvron et al., 2021): "
    "c weights, no bias.",
)


class LayerScale(Layer):
    """Keras's LayerScale (keras.applications.convnext): each channel times a learned factor, initially
    ``init_values``. ``projection_dim`` is the number of channels; it must be the input's last axis."""

    no_macs = SCALING_NO_MACS
    field_effect = "keeps"

    def __init__(self, init_values: float = 1e-6, projection_dim: Value = 1, **options: Any):
        super().__init__(**options)
        if isinstance(init_values, bool) or not isinstance(init_values, (int, float)):
            raise CalcError(f"init_values must be a number, got {init_values!r}")
        self.init_values = init_values
        self.projection_dim = to_expr(projection_dim, "projection_dim")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        channels = env.positive(self.projection_dim, "projection_dim")
        if not agree(channels, shape[-1], "projection_dim", "the input's channels", env):
            raise CalcError(f"projection_dim is {fmt(channels)}, but the input has {fmt(shape[-1])} channels")
        step = apply(LAYER_SCALE, "Parameters", {c: channels})
        return _same_shape(shape, [step], step.value, sp.Integer(0), ["multiplies each channel by a learned factor"])
