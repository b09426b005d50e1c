"""Exploring how a model's quantities depend on its hyper-parameters.

``keep`` turns numeric hyper-parameters into symbols; ``quantities`` names what can be asked for;
``formula`` gives closed forms; ``compiled`` evaluates them on whole grids with numpy; ``sweep``,
``scaling`` and ``solve`` answer "what if", "how fast" and "which value" questions; ``plot`` draws.
Everything here reads the expressions that the layers built; nothing restates a layer's formula.
"""
