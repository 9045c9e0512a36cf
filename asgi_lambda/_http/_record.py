"""Value semantics for the core's plain slotted classes, ``Request`` and ``Response``.

They were dataclasses; users' middleware tests compare them and read their repr, so they keep
field-wise equality and a repr of every field (docs/api.md), without the class generation a
dataclass costs at import.
"""

from __future__ import annotations

from typing import Any


class Record:
    """Equality and repr over the subclass's ``__slots__``, in their order."""

    __slots__: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        fields: list[Any] = [f"{name}={getattr(self, name)!r}" for name in self.__slots__]
        return f"{type(self).__name__}({', '.join(fields)})"
