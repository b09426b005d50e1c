"""How a spec names a tensor: a layer, which call of it, which of its outputs ('lstm[0][1]').

Read by the model, the compute walk and the figures alike, so it sits below all of them.
"""

from __future__ import annotations


def reference_parts(ref: str) -> tuple[str, int, int]:
    """'lstm[0][1]' -> ('lstm', 0, 1); 'dense[1]' -> ('dense', 1, 0); 'dense' -> ('dense', 0, 0)."""
    indices: list[int] = []
    while len(indices) < 2 and ref.endswith("]") and "[" in ref:
        head, _, index = ref[:-1].rpartition("[")
        if not (index.isascii() and index.isdigit()):
            break
        ref = head
        indices.insert(0, int(index))
    call, output = (indices + [0, 0])[:2]
    return ref, call, output


def split_reference(ref: str) -> tuple[str, int]:
    """'dense[1]' -> ('dense', 1); 'dense' -> ('dense', 0); 'lstm[0][1]' -> ('lstm', 0)."""
    name, call, _ = reference_parts(ref)
    return name, call


def tensor_key(ref: str) -> str:
    """The one spelling of a tensor: 'dense' -> 'dense[0][0]', 'lstm[0][1]' unchanged."""
    name, call, output = reference_parts(ref)
    return f"{name}[{call}][{output}]"
