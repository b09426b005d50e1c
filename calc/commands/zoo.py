"""``calc zoo``: the built-in models with their parameter counts."""

from __future__ import annotations

import argparse
import json

from calc.commands import output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser("zoo", help="List the built-in models with their parameter counts.")
    sub.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default: one model and its total per line), markdown (a table with the input shape, "
        "dialect and trainable counts) or json (the same, for scripts)",
    )
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.layers.base import format_shape
    from calc.render.math import plain
    from calc.spec import load
    from calc.summary import json_value
    from calc.zoo import zoo_names

    rows, input_shapes = [], []
    for name in zoo_names():
        model = load(name)
        analysis = model.analyze()
        shapes = [tuple(size.xreplace(model.values) for size in shape) for shape in model.inputs.values() if shape]
        input_shapes.append(shapes)
        rows.append(
            {
                "name": name,
                "dialect": model.dialect,
                "input_shapes": [[None, *map(json_value, shape)] for shape in shapes],
                "total_params": json_value(analysis.total_params),
                "trainable_params": json_value(analysis.trainable_params),
                "non_trainable_params": json_value(analysis.non_trainable_params),
            }
        )
    if args.format == "json":
        text = json.dumps(rows, indent=2) + "\n"
    elif args.format == "markdown":
        lines = ["| Model | Dialect | Input | Parameters | Trainable | Non-trainable |", "|---|---|---|---:|---:|---:|"]
        for row, shapes in zip(rows, input_shapes):
            counts = (plain(row[key]) for key in ("total_params", "trainable_params", "non_trainable_params"))
            inputs = ", ".join(format_shape(shape) for shape in shapes)
            lines.append(f"| {row['name']} | {row['dialect']} | {inputs} | " + " | ".join(counts) + " |")
        text = "\n".join(lines) + "\n"
    else:
        width = max(len(row["name"]) for row in rows)
        text = "".join(f"{row['name'].ljust(width)}  {plain(row['total_params']):>15}\n" for row in rows)
    write(text, args.output)
    return 0
