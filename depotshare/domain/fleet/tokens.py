"""Token identity rules: how a uid is written down so that the card a station reads, the card an
operator types and the card in an import file are recognised as the same one."""

from __future__ import annotations

import enum
import re
from datetime import date

from depotshare.domain.common.errors import InvalidInput

# OCPP 2.0.1 IdToken.idToken is at most 36 characters; OCPP 1.6 idTag at most 20.
MAX_UID_LENGTH = 36
OCPP16_MAX_ID_TAG = 20
MAX_GROUP_ID_LENGTH = 20  # OCPP 1.6 parentIdTag is an IdToken of at most 20 characters

# ASCII only, checked before case folding: str.upper() maps some non-ASCII letters onto ASCII
# ("\ufb00" -> "FF", "\xdf" -> "SS"), which would let a lower-case spelling pass where its
# upper-case twin fails.
_HEX = re.compile(r"[0-9A-Fa-f]+")
_SEPARATORS = re.compile(r"[\s:\-]", re.ASCII)
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# What is trimmed at the ends: the ASCII white space the separators know. str.strip() would
# also take "\x1c"-"\x1f" (white space to Python), so "\r\x1f0" passed as "0" while "\r:\x1f0" failed.
_ASCII_SPACE = " \t\n\r\f\v"
_GROUP = re.compile(r"[A-Za-z0-9._\-]+")


class TokenType(enum.StrEnum):
    RFID = "RFID"  # ISO 14443 / 15693 card, uid in hex
    APP = "APP"  # app or remote start from the API (OCPP 2.0.1 Central)
    KEY_CODE = "KEY_CODE"  # PIN typed at the station
    EMAID = "EMAID"  # contract id (ISO 15118, roaming)
    OTHER = "OTHER"


class TokenStatus(enum.StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


def normalise_uid(uid: str, token_type: TokenType, path: str = "uid") -> str:
    """The canonical form of a uid, or InvalidInput naming `path`."""
    raw = uid.strip(_ASCII_SPACE)
    if token_type is TokenType.RFID:
        value = _SEPARATORS.sub("", raw)
        if not _HEX.fullmatch(value):
            raise InvalidInput(
                path, "an RFID uid is hexadecimal (0-9, A-F), optionally separated by ':' or '-'"
            )
        if len(value) % 2 or not 8 <= len(value) <= OCPP16_MAX_ID_TAG:
            raise InvalidInput(path, "an RFID uid has 4 to 10 bytes (8 to 20 hex digits)")
        return value.upper()
    if token_type is TokenType.EMAID:
        raw = _SEPARATORS.sub("", raw)
    if not raw or len(raw) > MAX_UID_LENGTH:
        raise InvalidInput(path, f"a uid has 1 to {MAX_UID_LENGTH} characters")
    if not _PRINTABLE.fullmatch(raw):
        raise InvalidInput(path, "a uid has printable characters only, no spaces")
    if token_type is TokenType.KEY_CODE and not raw.isdigit():
        raise InvalidInput(path, "a key code has digits only")
    # eMAIDs compare case-insensitively (ISO 15118); other kinds keep the case they were given.
    return raw.upper() if token_type is TokenType.EMAID else raw


def check_group_id(group_id: str | None, path: str = "group") -> str | None:
    if group_id is None:
        return None
    value = group_id.strip()
    if not value or len(value) > MAX_GROUP_ID_LENGTH or not _GROUP.fullmatch(value):
        raise InvalidInput(
            path, f"a group id has 1 to {MAX_GROUP_ID_LENGTH} characters: letters, digits, '.', '_', '-'"
        )
    return value


def check_validity(valid_from: date | None, valid_until: date | None, path: str = "valid_until") -> None:
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise InvalidInput(path, "valid_until is before valid_from")


# The token column's size: what a station sent is compared only in spellings that could be stored.
MAX_STORED_UID = 64


def uid_candidates(uid: str) -> list[tuple[str, TokenType | None]]:
    """How a uid typed by a person or sent by a reader may be stored, most specific first: as an
    RFID uid, as given, as an eMAID."""
    raw = uid.strip()
    out: list[tuple[str, TokenType | None]] = []
    for kind in (TokenType.RFID, None, TokenType.EMAID):
        try:
            value = raw if kind is None else normalise_uid(raw, kind)
        except InvalidInput:
            continue
        if value and len(value) <= MAX_STORED_UID and (value, kind) not in out:
            out.append((value, kind))
    return out
