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
    from calc.zoo.listing import rows as zoo_rows

    rows = zoo_rows()
    if args.format == "json":
        text = json.dumps(rows, indent=2) + "\n"
    elif args.format == "markdown":
        lines = ["| Model | Dialect | Input | Parameters | Trainable | Non-trainable |", "|---|---|---|---:|---:|---:|"]
        for row in rows:
            counts = (plain(row[key]) for key in ("total_params", "trainable_params", "non_trainable_params"))
            inputs = ", ".join(format_shape(tuple(shape[1:])) for shape in row["input_shapes"])
            lines.append(f"| {row['name']} | {row['dialect']} | {inputs} | " + " | ".join(counts) + " |")
        text = "\n".join(lines) + "\n"
    else:
        width = max(len(row["name"]) for row in rows)
        text = "".join(f"{row['name'].ljust(width)}  {plain(row['total_params']):>15}\n" for row in rows)
    write(text, args.output)
    return 0
