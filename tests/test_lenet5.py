"""The seed article's LeNet-5, and the same model written with symbols."""

from __future__ import annotations

SEED = [  # name, type, output shape, params: the article's model.summary()
    ("conv2d", "Conv2D", [None, 28, 28, 8], 608),
    ("max_pooling2d", "MaxPooling2D", [None, 14, 14, 8], 0),
    ("conv2d_1", "Conv2D", [None, 10, 10, 16], 3216),
    ("max_pooling2d_1", "MaxPooling2D", [None, 5, 5, 16], 0),
    ("flatten", "Flatten", [None, 400], 0),
    ("dense", "Dense", [None, 120], 48120),
    ("dense_1", "Dense", [None, 84], 10164),
    ("dense_2", "Dense", [None, 10], 850),
]

SYMBOLIC = """\
name: lenet5_symbolic
input: [32, 32, 3]
layers:
  - Conv2D: {filters: f, kernel_size: k, activation: relu}
  - MaxPooling2D: {pool_size: 2, strides: 2}
  - Conv2D: {filters: 2*f, kernel_size: k, activation: relu}
  - MaxPooling2D: {pool_size: 2, strides: 2}
  - Flatten: {}
  - Dense: {units: 120, activation: relu}
  - Dense: {units: 84, activation: relu}
  - Dense: {units: 10, activation: softmax}
"""


def test_seed_table(cli):
    run = cli("summary", "lenet5", "--format", "json")
    assert run.status == 0, run.err
    data = run.json()
    assert data["model"] == "lenet5"
    assert [(x["name"], x["type"], x["output_shape"], x["params"]) for x in data["layers"]] == SEED
    assert all(x["trainable_params"] == x["params"] and x["non_trainable_params"] == 0 for x in data["layers"])
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (62958, 62958, 0)


def test_seed_text_table(cli):
    run = cli("summary", "lenet5")
    assert run.status == 0
    assert " conv2d (Conv2D) " in run.out and "(None, 28, 28, 8)" in run.out
    assert "Total params: 62,958" in run.out
    assert "Trainable params: 62,958" in run.out
    assert "Non-trainable params: 0" in run.out


def test_symbolic_spec(cli, spec_file):
    path = spec_file(SYMBOLIC)
    data = cli("summary", path, "--format", "json").json()
    assert data["layers"][0]["params"] == "f*(3*k**2 + 1)"
    assert data["layers"][0]["output_shape"] == [None, "33 - k", "33 - k", "f"]
    numeric = cli("summary", path, "--set", "k=5", "--set", "f=8", "--format", "json").json()
    assert [x["params"] for x in numeric["layers"]] == [row[3] for row in SEED]
    assert numeric["total_params"] == 62958


def test_set_overrides_zoo_values(cli):
    # k = 3: conv 30 -> pool 15 -> conv 13 -> pool 6; flatten 6*6*16 = 576
    # (9*3+1)*8 + (9*8+1)*16 + 576*120+120 + 10164 + 850 = 224 + 1168 + 69240 + 10164 + 850
    data = cli("summary", "lenet5", "--set", "k=3", "--format", "json").json()
    assert data["layers"][4]["output_shape"] == [None, 576]
    assert data["total_params"] == 81646


def test_derivation_shows_the_work(cli):
    run = cli("derive", "lenet5")
    assert run.status == 0, run.err
    # one filter first (5·5·3 + 1 = 76), then the 8 filters; every term of the window rule written in
    assert r"3 \cdot 5 \cdot 5 + 1 = 76$ numbers, and the $f = 8$ filters hold $P = 8 \cdot 76 = 608$" in run.out
    assert r"n_{out} = \left\lfloor{\frac{32 + 2 \cdot 0 - 5}{1}}\right\rfloor + 1 = 28" in run.out
    assert r"n = 5 \cdot 5 \cdot 16 = 400" in run.out
    assert r"400 \cdot 120 + 120 = 48{,}120" in run.out
    assert "no weights and no bias" in run.out
    assert "= 62{,}958$" in run.out


def test_derivation_drops_remainders(cli, spec_file):
    # floor((7 - 2)/2) + 1 = 3: 5/2 is not whole
    path = spec_file("input: [7, 7, 1]\nlayers:\n  - MaxPooling2D: {pool_size: 2}\n")
    run = cli("derive", path)
    assert r"$\frac{5}{2}$ is not a whole number, so the floor drops the remainder: $2$" in run.out


def test_symbolic_derivation(cli, spec_file):
    run = cli("derive", spec_file(SYMBOLIC))
    assert run.status == 0, run.err
    # the spec's own symbols are bold, so they never read as the rules' letters
    assert r"P_{total} = 2 \mathbf{f}^{2} \mathbf{k}^{2} + 3 \mathbf{f} \mathbf{k}^{2} + 3 \mathbf{f}" in run.out
