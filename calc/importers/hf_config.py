"""Hugging Face ``config.json``: a transformer described by its hyper-parameters, turned into a spec.

A config is recognised by its ``model_type``; ``architectures`` names the class the checkpoint is (the
base model, such as ``LlamaModel``, or a model with a head, such as ``LlamaForCausalLM``). The spec lays
the model out the way ``named_modules()`` shows it (``model.layers.0.self_attn.q_proj`` is the layer
``self_attn.q_proj`` of the repeated block ``model.layers``), with the config's own field names as
symbols, so every count is a closed form in them: ``calc formula llama.json --keep hidden_size``.

What is read is the config's numbers; nothing in it is run. Each field must be a whole number within
``MAX_VALUE`` (or the flag or word it should be); anything else is one line naming the field. A
``model_type`` calc does not know is read as Llama when the config has Llama's fields and a causal-LM
head; anything else is refused, naming the ``model_type``.

The defaults of absent fields are those of transformers 5.24's config classes (Gemma ties its embeddings
by default, Llama does not, ...). Tied embeddings are counted once, as ``model.parameters()`` counts
them: the tied output layer (``TiedDense``) holds only its bias.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from calc.errors import CalcError

MAX_VALUE = 2**27  # 134,217,728: above any vocabulary, width or context a published model has
MAX_LAYERS = 100_000
CLASS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}\Z")


def is_hf_config(data: Any) -> bool:
    """A Hugging Face config: a mapping with a ``model_type`` and none of a calc spec's or Keras's keys."""
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("model_type"), str)
        and not any(key in data for key in ("layers", "class_name"))
    )


@dataclass
class Fields:
    """The config's fields as calc reads them: each number used becomes a symbol of the same name."""

    data: Mapping[str, Any]
    defaults: Mapping[str, Any]
    symbols: dict[str, int] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.data and self.data[name] is not None:
            return self.data[name]
        return self.defaults.get(name, default)

    def number(self, name: str, default: Any = None, maximum: int = MAX_VALUE) -> str:
        """The symbol for a whole-number field (recording its value), checked."""
        value = self.get(name, default)
        if value is None:
            raise CalcError(f"config field '{name}' is missing (a whole number)")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
            raise CalcError(f"config field '{name}' must be a whole number from 1 to {maximum:,}, got {shown}")
        self.symbols[name] = value
        return name

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise CalcError(f"config field '{name}' must be true or false, got {str(value)[:40]!r}")
        return value

    def word(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(name, default)
        if value not in choices:
            raise CalcError(f"config field '{name}' must be one of {', '.join(choices)}, got {str(value)[:40]!r}")
        return value

    def head_dim(self, width: str, heads: str, field_name: str | None = "head_dim") -> str:
        """``head_dim`` when the family reads one (``field_name``) and the config gives it, else width / heads
        (transformers' default), checked to divide."""
        if field_name is not None and self.get(field_name) is not None:
            return self.number(field_name)
        if self.symbols[width] % self.symbols[heads]:
            given = f", and no '{field_name}' is given" if field_name else ""
            raise CalcError(
                f"config field '{width}' ({self.symbols[width]}) is not a multiple of '{heads}' "
                f"({self.symbols[heads]}){given}"
            )
        return f"{width}/{heads}"


@dataclass(frozen=True)
class Family:
    """How one model_type is laid out: its base and head classes, the prefix the head puts in front of the
    base's modules, the defaults of its config class, and the function that writes its layers."""

    base: str
    heads: Mapping[str, str]  # head class -> prefix of the base model's modules in it
    defaults: Mapping[str, Any]
    layers: Callable[[Fields, str, str | None], tuple[dict, list]]


def spec_from_hf_config(data: Mapping[str, Any]) -> dict:
    """The spec of the model a Hugging Face config describes (the class ``architectures`` names)."""
    from calc.importers import hf_families

    model_type = data["model_type"]
    family = hf_families.FAMILIES.get(model_type)
    note = ""
    if family is None:
        if not _llama_like(data):
            known = ", ".join(sorted(hf_families.FAMILIES))
            raise CalcError(
                f"model_type '{str(model_type)[:40]}' is not one calc reads (it reads {known}, and configs with "
                "Llama's fields and a ForCausalLM head)"
            )
        family = hf_families.FAMILIES["llama"]
        note = f" (model_type '{model_type}' read as Llama: its config has Llama's fields)"
    architectures = data.get("architectures") or [family.base]
    if not isinstance(architectures, list) or not all(
        isinstance(a, str) and CLASS_NAME.match(a) for a in architectures
    ):
        raise CalcError("config field 'architectures' must be a list of class names (letters, digits and _)")
    wanted = named = architectures[0]
    if note:  # a Llama-like model: its own class names, Llama's layout
        wanted = "LlamaForCausalLM" if wanted.endswith("ForCausalLM") else "LlamaModel"  # the base: *Model
    if wanted != family.base and wanted not in family.heads:
        choices = ", ".join([family.base, *family.heads])
        raise CalcError(f"config field 'architectures' names {wanted[:60]}; for {model_type} calc reads {choices}")
    head = None if wanted == family.base else wanted
    prefix = "" if head is None else family.heads[head]
    fields = Fields(data, family.defaults)
    inputs, layers = family.layers(fields, prefix, head)
    return {
        "name": named + (" (read as Llama)" if note else ""),
        "description": f"{named} from a Hugging Face config{note}",
        "inputs": inputs,
        "symbols": dict(fields.symbols),
        "layers": layers,
    }


def _llama_like(data: Mapping[str, Any]) -> bool:
    """Llama's fields, an RMSNorm (``rms_norm_eps``) and a causal-LM head: the layout Llama's derivatives keep."""
    required = (
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "vocab_size",
        "rms_norm_eps",
    )
    architectures = data.get("architectures") or []
    return (
        all(key in data for key in required)
        and isinstance(architectures, list)
        and bool(architectures)
        and isinstance(architectures[0], str)
        and CLASS_NAME.match(architectures[0]) is not None
        and architectures[0].endswith("ForCausalLM")
    )
