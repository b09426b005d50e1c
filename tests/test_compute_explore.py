"""formula, sweep and scaling read MACs, FLOPs, activations, receptive field and jump through the one
quantity table (calc.explore.quantities), as they read parameter counts."""

from __future__ import annotations

import pytest

from tests.conftest import require

try:
    import numpy  # noqa: F401

    HAVE_NUMPY = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_NUMPY = False


def test_formula_of_a_conv_layers_macs_in_k_and_f(cli):
    run = cli("formula", "lenet5", "--quantity", "conv2d.macs", "--keep", "k,f")
    # 28 = 33 - k output positions per axis, f filters, k*k*3 products each
    assert run.status == 0 and run.out == "conv2d.macs = 3*f*k**2*(33 - k)**2\n"
    data = cli("formula", "lenet5", "--quantity", "macs", "--layer", "conv2d", "--keep", "f", "--format", "json").json()
    assert data["expression"] == "58800*f" and data["symbols"] == ["f"]  # 28*28*75 = 58,800 per filter


def test_formula_of_receptive_field_and_totals(cli):
    # with no layer: the last layer with a field, max_pooling2d_1: 3k + 1 (16 at k = 5)
    assert cli("formula", "lenet5", "--quantity", "receptive_field", "--keep", "k").out == "receptive_field = 3*k + 1\n"
    assert cli("formula", "lenet5", "--quantity", "conv2d_1.jump", "--keep", "k").out == "conv2d_1.jump = 2\n"
    assert cli("formula", "lenet5", "--quantity", "total_macs", "--set", "k=5", "--set", "f=8").out.endswith(
        "= 849320\n"
    )
    flops = cli("formula", "lenet5", "--quantity", "total_flops", "--set", "k=5", "--set", "f=8").out
    assert flops == "total_flops = 1698640\n"
    md = cli("formula", "lenet5", "--quantity", "conv2d.macs", "--keep", "k", "--format", "markdown").out
    assert "**MACs.**" in md and r"= 24 k^{2} \left(33 - k\right)^{2}$$" in md


def test_formula_refuses_fields_that_ended(cli):
    run = cli("formula", "lenet5", "--quantity", "dense.receptive_field")
    assert run.status == 2 and "dense's output has no receptive field" in run.err
    run = cli("formula", "lenet5", "--quantity", "conv2d.receptive_field_depth")
    assert run.status == 2 and "no depth axis" in run.err


@pytest.mark.skipif(not HAVE_NUMPY, reason="sweep needs numpy")
def test_sweep_of_compute_quantities(cli):
    require(HAVE_NUMPY, "numpy")
    run = cli(
        "sweep", "lenet5", "--vary", "k=3,5", "--quantity", "total_macs", "--quantity", "conv2d.macs",
        "--quantity", "receptive_field", "--quantity", "total_activation_elements",
    )  # fmt: skip
    assert run.status == 0, run.err
    # k = 3: conv2d 30*30 * 8 * 27 = 194,400; field 3*3 + 1 = 10
    assert run.out.splitlines()[1:] == ["3,469128,194400,10,13070,", "5,849320,470400,16,10454,"]


def test_scaling_of_macs(cli):
    run = cli("scaling", "lenet5", "--in", "f", "--quantity", "macs", "--format", "json")
    data = run.json()
    assert data["quantity"] == "macs" and data["total"]["params"] == 849_320
    layers = {layer["name"]: layer for layer in data["layers"]}
    # conv2d's MACs are linear in f, conv2d_1's quadratic (f in, 2f out)
    assert (layers["conv2d"]["degree"], layers["conv2d_1"]["degree"]) == (1, 2)
    assert "MACs" in cli("scaling", "lenet5", "--in", "f", "--quantity", "macs").out
    assert cli("scaling", "lenet5", "--in", "f", "--quantity", "mac").status == 2


BRANCHES = """
name: branches
inputs: {image: [32, 32, 3]}
symbols: {k: 3}
layers:
  - Conv2D: {filters: 4, kernel_size: k, padding: same}
  - Conv2D: {filters: 4, kernel_size: 5, padding: same, inputs: [image]}
  - Add: {inputs: [conv2d, conv2d_1]}
"""


@pytest.mark.skipif(not HAVE_NUMPY, reason="sweep needs numpy")
def test_sweep_of_a_merged_field_takes_the_larger_branch(cli, spec_file):
    # The sum reads a k x k branch and a 5 x 5 one: its field is the union, max(k, 5) for odd k.
    run = cli("sweep", spec_file(BRANCHES), "--vary", "k=1,3,5,7,9", "--quantity", "receptive_field")
    assert run.status == 0, run.err
    assert [line.split(",")[1] for line in run.out.splitlines()[1:]] == ["5", "5", "5", "7", "9"]


def test_solve_reads_the_merged_field_without_numpy(cli, spec_file):
    run = cli("solve", spec_file(BRANCHES), "--target", "receptive_field=9", "--for", "k", "--range", "1:12")
    assert run.status == 0, run.err
    assert "1 solution: k = 9." in run.out  # k = 8 centres its field half a position off: a union of 8
