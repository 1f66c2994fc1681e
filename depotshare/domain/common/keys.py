"""Shapes of identifiers shared by the API, the import file and the OCPP side."""

from __future__ import annotations

# Stable slugs for organisations, locations, employees, vehicles, tariffs.
KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
# OCPP identity: no slash or colon (it is a URL path segment and the Basic-auth user name).
STATION_ID_PATTERN = r"^[A-Za-z0-9*\-_=+|@.]{1,48}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# Database ids are 32-bit on PostgreSQL: a larger number names nothing and would overflow a query.
MAX_ID = 2**31 - 1


def as_id(text: str) -> int | None:
    """The id a text names, or None when it is not a decimal number in the id range."""
    # isdigit() alone admits digits int() refuses, such as '²'.
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > MAX_ID:
        return None
    return int(text)
