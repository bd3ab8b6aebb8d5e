"""The base of the API's request bodies: every text in them is free of the NUL character."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

from services.http.nul_guard import has_nul


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_texts(key), *_texts(item))]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


class InputModel(BaseModel):
    """A request body; a NUL character anywhere in it is a 422 (PostgreSQL cannot store it)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if any(has_nul(text) for text in _texts(data)):
            raise ValueError("texts must not contain the NUL character")
        return data
