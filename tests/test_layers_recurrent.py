"""Recurrent layers and their wrappers against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest

import calc
from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from calc.layers.base import Env, construct
from calc.spec import with_wrapped_layers
from tests.test_layers import one


def lstm(units, **options):
    return {"LSTM": {"units": units, **options}}


def bidirectional(layer, **options):
    """Bidirectional as a spec writes it: the wrapped layers as mappings, built by the spec reader first."""
    return construct(L.Bidirectional, with_wrapped_layers(L.Bidirectional, {"layer": layer, **options}))


def time_distributed(layer, **options):
    return construct(L.TimeDistributed, with_wrapped_layers(L.TimeDistributed, {"layer": layer, **options}))


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "params"),
    [
        # SimpleRNN: 1*(5*(3 + 5) + 5) = 45
        ((10, 3), L.SimpleRNN(5), (5,), 45),
        ((10, 3), L.SimpleRNN(5, return_sequences=True, use_bias=False), (10, 5), 40),
        # LSTM: 4*(5*(3 + 5) + 5) = 4*45 = 180
        ((10, 3), L.LSTM(5), (5,), 180),
        ((10, 3), L.LSTM(5, use_bias=False, go_backwards=True), (5,), 160),
        # the design note's LSTM, 128 units on 64 features: 4*(128*192 + 128) = 98,816
        ((30, 64), L.LSTM(128, return_sequences=True), (30, 128), 98816),
        # GRU, reset_after (Keras's default): 3*(5*(3 + 5) + 2*5) = 3*50 = 150
        ((10, 3), L.GRU(5), (5,), 150),
        # GRU without reset_after: 3*(5*8 + 5) = 135
        ((10, 3), L.GRU(5, reset_after=False), (5,), 135),
        ((10, 3), L.GRU(5, use_bias=False), (5,), 120),
        # Bidirectional LSTM, concatenated: 2*180 = 360 weights, 2*5 = 10 features
        ((10, 3), bidirectional(lstm(5)), (10,), 360),
        ((10, 3), bidirectional(lstm(5, return_sequences=True), merge_mode="sum"), (10, 5), 360),
        # an LSTM forwards and a GRU backwards: 180 + 150 = 330
        ((10, 3), bidirectional(lstm(5), backward_layer={"GRU": {"units": 5, "go_backwards": True}}), (10,), 330),
        # TimeDistributed Dense on each of 10 steps of 16: 16*4 + 4 = 68, shared by all steps
        ((10, 16), time_distributed({"Dense": {"units": 4}}), (10, 4), 68),
        # TimeDistributed Conv2D on 5 frames of 16 x 16 x 3: (9*3 + 1)*8 = 224
        ((5, 16, 16, 3), time_distributed({"Conv2D": {"filters": 8, "kernel_size": 3}}), (5, 14, 14, 8), 224),
    ],
)
def test_hand_worked(input_shape, layer, shape, params):
    out, (trainable, non_trainable) = one(input_shape, layer)
    assert out == shape
    assert (trainable, non_trainable) == (params, 0)


def test_lstm_closed_form():
    u, n = make_symbol("u"), make_symbol("n")
    shape, (trainable, _) = one((7, n), L.LSTM(u))
    assert shape == (u,)
    assert (trainable - 4 * (u * (n + u) + u)).expand() == 0


def test_wrapped_layers_take_keras_names_first():
    """Keras creates Bidirectional's LSTM before the wrapper, so the next LSTM is lstm_1."""
    model = calc.from_spec(
        {
            "input": [12, 4],
            "layers": [
                {"Bidirectional": {"layer": lstm(8, return_sequences=True)}},
                {"TimeDistributed": {"layer": {"Dense": {"units": 3}}}},
                {"LSTM": {"units": 3}},
                {"Dense": {"units": 2}},
            ],
        }
    )
    assert model.names == ["bidirectional", "time_distributed", "lstm_1", "dense_1"]


def test_symbols_inside_wrapped_layers_are_the_models():
    model = calc.from_spec({"input": [12, 4], "layers": [{"Bidirectional": {"layer": lstm("u")}}]})
    assert [s.name for s in model.symbols] == ["u"]
    # 2 * 4*(2*(4 + 2) + 2) = 2*56 = 112
    assert model.summary({"u": 2}).to_dict()["total_params"] == 112


def test_frozen_inner_layer():
    _, counts = one((10, 3), bidirectional(lstm(5, trainable=False)))
    assert counts == (0, 360)


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((7, 4, 3), L.LSTM(5), "exactly 2 axes"),
        ((7,), L.GRU(5), "exactly 2 axes"),
        ((7, 3), L.GRU(0), "units must be a positive whole number"),
        ((7,), time_distributed({"Dense": {"units": 5}}), "at least 2 axes"),
        ((7, 3), time_distributed({"LSTM": {"units": 5}}), "on each step's shape \\(None, 3\\): LSTM takes"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: L.LSTM(5, stateful=True), "stateful=True needs a fixed batch size"),
        (lambda: bidirectional({"Dense": {"units": 5}}), "needs a recurrent layer"),
        (lambda: bidirectional(lstm(5), merge_mode="max"), "merge_mode must be one of"),
        (lambda: bidirectional(lstm(5, go_backwards=True)), "already reads backwards"),
        (lambda: bidirectional(lstm(5), backward_layer=lstm(5)), "opposite directions"),
        (lambda: bidirectional(lstm(5), backward_layer=lstm(5, go_backwards=True, return_sequences=True)), "agree"),
        (lambda: bidirectional({"LSTM": {"unit": 5}}), "layer \\(LSTM\\): LSTM has no argument 'unit'"),
        (lambda: bidirectional({"LTSM": {"units": 5}}), "unknown layer type 'LTSM' \\(did you mean 'LSTM'\\?\\)"),
        (lambda: time_distributed([1, 2]), "layer must be one layer"),
        (lambda: time_distributed({"InputLayer": {"shape": [3]}}), "unknown layer type 'InputLayer'"),
    ],
)
def test_keras_argument_checks(make, message):
    with pytest.raises(CalcError, match=message):
        make()


def test_backward_layer_of_other_width_is_refused():
    """Keras would report 2*5 = 10 features here although the two outputs have 5 + 3 = 8."""
    layer = bidirectional(lstm(5), backward_layer=lstm(3, go_backwards=True))
    with pytest.raises(CalcError, match="give both the same units"):
        one((7, 3), layer)


def test_return_state_adds_the_final_states_as_outputs():
    """Keras: an LSTM returns its output, then h and c; a GRU its output and h (each of u values)."""
    env = Env()
    lstm_result = L.LSTM(5, return_sequences=True, return_state=True).build((7, 3), env)
    assert lstm_result.output_shapes == [(7, 5), (5,), (5,)]
    assert lstm_result.params == 4 * (5 * (3 + 5) + 5)  # the states add no weights
    assert L.GRU(4, return_state=True).build((7, 3), env).output_shapes == [(4,), (4,)]


def test_bidirectional_outputs_apart_and_states():
    """merge_mode None: forward and backward outputs apart; return_state: then forward h, c and backward h, c."""
    env = Env()
    assert bidirectional(lstm(5), merge_mode=None).build((7, 3), env).output_shapes == [(5,), (5,)]
    both = bidirectional({"LSTM": {"units": 5, "return_state": True}}).build((7, 3), env)
    assert both.output_shapes == [(10,), (5,), (5,), (5,), (5,)]


def test_initial_states_must_fit_the_layer():
    layer = L.LSTM(5)
    assert layer.build_many([(7, 3), (5,), (5,)], Env()).output_shape == (5,)
    with pytest.raises(CalcError, match="LSTM takes 2 initial states, got 1"):
        layer.build_many([(7, 3), (5,)], Env())
    with pytest.raises(CalcError, match=r"initial state 2 of LSTM has shape \(None, 4\)"):
        layer.build_many([(7, 3), (5,), (4,)], Env())


def test_a_wrapper_built_in_python_takes_a_layer():
    """In Python a wrapper takes the layer itself; the one-key mapping is a spec's form, built by the reader."""
    assert one((10, 3), L.Bidirectional(L.LSTM(5))) == ((10,), (360, 0))  # 2 * 4*(5*(3 + 5) + 5)
    with pytest.raises(CalcError, match="layer must be a layer, written like"):
        L.Bidirectional({"LSTM": {"units": 5}})
