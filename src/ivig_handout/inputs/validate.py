"""Inputs stage, validation: turn located YAML data into a pydantic model, or located messages."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ContentError
from .yamlio import Located, PathKey, format_path

M = TypeVar("M", bound=BaseModel)


def validate(located: Located, model: type[M]) -> M:
    """Build ``model`` from the located data; raise ContentError listing every problem at once."""
    if not isinstance(located.data, dict):
        raise ContentError([f"{located.where(())}: expected a mapping of fields at the top level"])
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise ContentError(problems(located, exc, model)) from None


def problems(located: Located, exc: ValidationError, model: type[BaseModel]) -> list[str]:
    out = []
    errors = exc.errors(include_url=False)
    paths = [tuple(p for p in err["loc"] if isinstance(p, (str, int))) for err in errors]
    for err, path in zip(errors, paths, strict=True):
        if err["type"] == "too_short" and any(len(o) > len(path) and o[: len(path)] == path for o in paths):
            continue  # a list emptied by its own bad items: the items' errors say it better
        out.append(f"{located.where(path)}: {format_path(path)}: {_message(err, path, model)}")
    return out


def _message(err: Any, path: PathKey, model: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, path[:-1])
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown field '{path[-1]}'{hint}"
    if kind == "literal_error":
        return f"must be one of {err['ctx']['expected']}, not {_describe(err.get('input'))}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(err.get('input'))}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_describe(err.get('input'))}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"expected a date like 2026-01-31, got {_describe(err.get('input'))}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{err['msg'].replace('Input should be', 'must be')}, not {_describe(err.get('input'))}"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind == "string_too_long":
        text = err.get("input")
        long = f"is {len(text):,} characters long" if isinstance(text, str) else "is too long"
        return f"{long}; at most {err['ctx']['max_length']:,} (shorten it, or split it)"
    if kind == "too_long":
        size = err["ctx"].get("actual_length")
        most = f"at most {err['ctx']['max_length']:,}"
        return f"has {size:,} items; {most}" if isinstance(size, int) else f"has too many items; {most}"
    if kind == "string_pattern_mismatch":
        return f"{_describe(err.get('input'))} must be lower-case letters, digits and dashes"
    if kind in ("string_type", "tuple_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        want = {"string_type": "text", "model_type": "a mapping of fields"}.get(kind, "a list")
        if kind == "model_attributes_type":
            want = "a mapping of fields"
        return f"expected {want}, got {_describe(err.get('input'))}"
    return str(err["msg"]).replace("Value error, ", "")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))  # a message is one line
    return f"'{text[:_ECHO]}...'" if len(text) > _ECHO else f"'{text}'"


_ECHO = 60  # characters of a refused value repeated in a message


def _allowed_fields(model: type[BaseModel], path: PathKey) -> list[str]:
    """Field names allowed at ``path`` inside ``model`` (best effort, for the hint)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
