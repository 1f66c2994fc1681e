"""OCPI roaming rules: the parties that read our locations (country code, party id, role, the
credentials token they present) and the PublishTokenType entries that show a private location to
chosen drivers only. Pure rules: no I/O."""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from depotshare.domain.common.errors import InvalidInput

COUNTRY_CODE_PATTERN = r"^[A-Za-z]{2}$"  # ISO 3166-1 alpha-2, case-insensitive in OCPI
PARTY_ID_PATTERN = r"^[A-Za-z0-9]{3}$"  # ISO 15118 party id, case-insensitive in OCPI
# A credentials token: printable ASCII without spaces (OCPI string(64)).
TOKEN_PATTERN = r"^[\x21-\x7e]{8,64}$"
TOKEN_HASH_PATTERN = r"^[0-9a-f]{64}$"  # sha256, lower-case hex
# OCPI CiString: printable ASCII; DisplayText-like strings: no control characters.
CI_STRING_PATTERN = r"^[\x20-\x7e]+$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]+$"

_TOKEN = re.compile(TOKEN_PATTERN)


class PartyRole(enum.StrEnum):
    """OCPI 2.2.1 Role."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class PartnerStatus(enum.StrEnum):
    ACTIVE = "active"  # may read published locations
    SUSPENDED = "suspended"  # its token is refused (401)


class PublishTokenKind(enum.StrEnum):
    """OCPI 2.2.1 TokenType, as PublishTokenType.type uses it."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


# --- credentials tokens --------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """What the store keeps of a credentials token. A plain sha256 is enough for a high-entropy
    token and lets a request find its partner by one indexed lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh credentials token: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def check_token(token: str, path: str = "token") -> str:
    if not _TOKEN.match(token):
        raise InvalidInput(path, "a credentials token has 8 to 64 printable ASCII characters and no spaces")
    return token


def token_candidates(authorization: str | None) -> list[str]:
    """The credentials tokens an `Authorization: Token ...` header may carry, most likely first.

    OCPI 2.2.1 sends the token base64-encoded; many 2.1.1/2.2 implementations send it plain, so
    both readings are tried. A decoded token loses the line break some clients encode with it."""
    if not authorization:
        return []
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    out: list[str] = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    for candidate in (decoded, value):
        if candidate and _TOKEN.match(candidate) and candidate not in out:
            out.append(candidate)
    return out


def normalise_country_code(value: str, path: str = "country_code") -> str:
    if not re.match(COUNTRY_CODE_PATTERN, value):
        raise InvalidInput(path, "a country code is ISO 3166-1 alpha-2, two letters such as 'DE'")
    return value.upper()


def normalise_party_id(value: str, path: str = "party_id") -> str:
    if not re.match(PARTY_ID_PATTERN, value):
        raise InvalidInput(path, "a party id has three letters or digits, such as 'RHX'")
    return value.upper()


# --- publish_allowed_to --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishToken:
    """OCPI 2.2.1 PublishTokenType: a driver's token (or a group of them) a private location is
    shown to. A token matches when every field set here matches."""

    uid: str | None = None
    type: str | None = None
    visual_number: str | None = None
    issuer: str | None = None
    group_id: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v is not None}


def check_publish_token(token: PublishToken, path: str) -> PublishToken:
    """At least one of uid, visual_number, group_id; uid needs type; visual_number needs issuer."""
    if token.uid is None and token.visual_number is None and token.group_id is None:
        raise InvalidInput(path, "give at least one of uid, visual_number or group_id")
    if token.uid is not None and token.type is None:
        raise InvalidInput(f"{path}.type", "a uid needs its token type (RFID, APP_USER, AD_HOC_USER, OTHER)")
    if token.visual_number is not None and token.issuer is None:
        raise InvalidInput(f"{path}.issuer", "a visual_number needs the issuer printed on the card")
    return token


def check_publication(publish: bool, allowed_to: Sequence[PublishToken], path: str) -> None:
    """OCPI: publish_allowed_to may only be used while publish is false."""
    if publish and allowed_to:
        raise InvalidInput(
            path,
            "a published location (publish: true) is shown to everybody; publish_allowed_to is only "
            "for a private one (publish: false)",
        )
