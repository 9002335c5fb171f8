"""Random (version 4) UUIDs as text, exactly as `str(uuid.uuid4())` writes them, without the uuid module.

Importing uuid imports platform, a measurable share of `hpc run`'s start-up, and building UUID objects costs
microseconds on paths that run once per child (request ids, child names).
"""

from __future__ import annotations

import os

_VERSION_4 = 0x4 << 76  # the version nibble
_VARIANT_RFC_4122 = 0x2 << 62  # the two variant bits: 10
_CLEARED = ~((0xF << 76) | (0x3 << 62))


def random_uuid_int() -> int:
    """122 random bits with the version and variant bits set, as uuid.uuid4().int."""
    return (int.from_bytes(os.urandom(16)) & _CLEARED) | _VERSION_4 | _VARIANT_RFC_4122


def uuid_text(value: int) -> str:
    """`value` (128 bits) in the 8-4-4-4-12 hexadecimal form, as str(uuid.UUID(int=value))."""
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def random_uuid() -> str:
    return uuid_text(random_uuid_int())
