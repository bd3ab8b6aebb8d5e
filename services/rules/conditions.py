"""Conditions on event data in CEL (Common Expression Language, via cel-python), never `eval`.

A condition sees the event's data fields as variables (`kind == "jeugd"`, `has(initiative_id)`,
`state in ["b", "ingepland", "o"]`). It is compiled once, when the rule file is loaded; its result
depends only on the fields it names, so results are memoised on those fields' values: a pack with many
rules pays for each distinct (condition, values) pair once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import celpy
import celpy.celtypes
import celpy.evaluation
import lark
from celpy.adapter import json_to_cel

from services.rules.errors import RuleError

_ABSENT = object()

# cel-python logs every evaluation error (a missing field is one) at ERROR: for wijkbrug that is a "no".
logging.getLogger("celpy").setLevel(logging.CRITICAL)
logging.getLogger("Evaluator").setLevel(logging.CRITICAL)
MAX_CACHE = 100_000


class ConditionError(RuleError):
    """A condition that is not valid CEL, or that does not evaluate to a boolean."""


class Condition:
    """A compiled CEL condition over an event's data."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        environment = celpy.Environment(runner_class=celpy.CompiledRunner)
        try:
            ast = environment.compile(expression)
            self._program = environment.program(ast)
        except Exception as exc:  # cel-python raises parse and compile errors of several types
            raise ConditionError(f"not a valid CEL expression: {_first_line(exc)}") from exc
        unknown = sorted(_functions(ast) - KNOWN_FUNCTIONS)
        if unknown:
            raise ConditionError(f"unknown function(s) {', '.join(unknown)}; CEL's standard functions only")
        self.fields: tuple[str, ...] = tuple(sorted(_identifiers(ast)))
        self._cache: dict[tuple[Any, ...], bool] = {}

    def __call__(self, data: Mapping[str, Any]) -> bool:
        key = tuple(_hashable(data.get(name, _ABSENT)) for name in self.fields)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._evaluate(data)
        if len(self._cache) < MAX_CACHE:
            self._cache[key] = result
        return result

    def _evaluate(self, data: Mapping[str, Any]) -> bool:
        activation = {name: json_to_cel(data[name]) for name in self.fields if name in data}
        try:
            result = self._program.evaluate(activation)
        except Exception:  # a missing field or a type mismatch means "does not hold"
            return False
        # cel-python answers with its BoolType, or a plain bool from the logical operators.
        return isinstance(result, bool | celpy.celtypes.BoolType) and bool(result)

    def check(self) -> None:
        """Evaluate once on empty data: fail at load time on expressions that cannot run at all."""
        try:
            result = self._program.evaluate({})
        except Exception:  # missing fields are expected here
            return
        if not isinstance(result, bool | celpy.celtypes.BoolType | celpy.evaluation.CELEvalError):
            raise ConditionError(f"evaluates to {type(result).__name__}, not to a boolean (true/false)")

    def __repr__(self) -> str:
        return f"Condition({self.expression!r})"


def _identifiers(tree: lark.Tree[Any]) -> set[str]:
    """Every variable the expression reads (data fields), including those inside has()."""
    return {
        str(child)
        for node in tree.iter_subtrees()
        if node.data == "ident"
        for child in node.children
        if isinstance(child, lark.Token)
    }


def _functions(tree: lark.Tree[Any]) -> set[str]:
    """Every function the expression calls, global (`size(x)`) or as a method (`name.startsWith("a")`)."""
    names: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data in {"ident_arg", "member_dot_arg"}:
            names |= {str(child) for child in node.children if isinstance(child, lark.Token)}
    return names


#: CEL's standard functions and macros that cel-python implements.
KNOWN_FUNCTIONS = frozenset(name for name in celpy.evaluation.base_functions if name[0].isalpha()) | {
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
}


def _hashable(value: Any) -> Any:
    # Tagged with the type: 1, 1.0 and true (or a map and a list of pairs) are equal keys in Python,
    # but not the same value in CEL (`type(n) == int`, `flag == true`).
    if isinstance(value, dict):
        return ("map", tuple(sorted((key, _hashable(item)) for key, item in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_hashable(item) for item in value))
    return (type(value), value)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
