"""Base for enums that carry a translated title, shown in templates as ``value.title``."""

from __future__ import annotations

import enum
from typing import Any, ClassVar


class TitledEnum(enum.Enum):
    """An enum whose members have a lazily translated ``title``; subclasses fill ``TITLES``."""

    TITLES: ClassVar[dict[str, Any]]

    @property
    def title(self) -> str:
        """The member's name in the current language."""
        return str(type(self).TITLES[str(self.value)])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, title) pairs for a select field."""
        return [(str(member.value), member.title) for member in cls]
