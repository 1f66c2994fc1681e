"""The `roaming_partners` section (OCPI parties and their credentials tokens) and the
`publish_allowed_to` entries of a location, with the rules each keeps on its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import StringConstraints

from depotshare.domain.common.errors import InvalidInput, Problems
from depotshare.domain.common.inputs import Entry, Key
from depotshare.domain.roaming import parties as roaming
from depotshare.domain.roaming.parties import PartnerStatus, PartyRole, PublishToken, PublishTokenKind

CountryCode = Annotated[str, StringConstraints(pattern=roaming.COUNTRY_CODE_PATTERN)]
PartyId = Annotated[str, StringConstraints(pattern=roaming.PARTY_ID_PATTERN)]
CredentialsToken = Annotated[str, StringConstraints(pattern=roaming.TOKEN_PATTERN)]
TokenHash = Annotated[str, StringConstraints(pattern=roaming.TOKEN_HASH_PATTERN)]
CiString36 = Annotated[str, StringConstraints(pattern=roaming.CI_STRING_PATTERN, max_length=36)]
Text64 = Annotated[str, StringConstraints(pattern=roaming.TEXT_PATTERN, max_length=64)]

PATTERN_HINTS = {
    roaming.COUNTRY_CODE_PATTERN: "a country code is ISO 3166-1 alpha-2, two letters such as 'DE'",
    roaming.PARTY_ID_PATTERN: "a party id has three letters or digits, such as 'RHX'",
    roaming.TOKEN_PATTERN: "a credentials token has 8 to 64 printable ASCII characters and no spaces",
    roaming.TOKEN_HASH_PATTERN: "a token_hash is the sha256 of the token in lower-case hex (64 characters), "
    "as `depotshare export` writes it",
    roaming.CI_STRING_PATTERN: "expected printable ASCII text",
    roaming.TEXT_PATTERN: "expected text without control characters",
}


class PublishTokenIn(Entry):
    """OCPI PublishTokenType: a driver's token, card or token group a private location is shown to."""

    uid: CiString36 | None = None
    type: PublishTokenKind | None = None
    visual_number: Text64 | None = None
    issuer: Text64 | None = None
    group_id: CiString36 | None = None


class RoamingPartnerIn(Entry):
    key: Key
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    country_code: CountryCode
    party_id: PartyId
    role: PartyRole = PartyRole.EMSP
    token: CredentialsToken | None = None
    token_hash: TokenHash | None = None
    status: PartnerStatus = PartnerStatus.ACTIVE


def publish_token(entry: PublishTokenIn) -> PublishToken:
    return PublishToken(
        entry.uid,
        entry.type.value if entry.type is not None else None,
        entry.visual_number,
        entry.issuer,
        entry.group_id,
    )


def stored_publish_tokens(entries: Sequence[PublishTokenIn]) -> list[dict[str, str]] | None:
    """What the location keeps: the entries as OCPI objects; no entry at all is None."""
    return [publish_token(e).as_dict() for e in entries] or None


def check_publish_allowed_to(
    publish: bool, entries: Sequence[PublishTokenIn], here: str, problems: Problems
) -> None:
    tokens: list[PublishToken] = []
    for i, entry in enumerate(entries):
        path = f"{here}.publish_allowed_to[{i}]"
        try:
            tokens.append(roaming.check_publish_token(publish_token(entry), path))
        except InvalidInput as e:
            problems.found.append(e)
    problems.check(
        lambda: roaming.check_publication(publish, tokens, f"{here}.publish_allowed_to"),
        None,
    )


def check_partner(entry: RoamingPartnerIn, here: str, problems: Problems) -> RoamingPartnerIn:
    """Country code and party id upper-cased (OCPI compares them without case); token or hash."""
    if entry.token is not None and entry.token_hash is not None:
        problems.add(f"{here}.token_hash", "give token or token_hash, not both")
    return entry.model_copy(
        update={"country_code": entry.country_code.upper(), "party_id": entry.party_id.upper()}
    )


def token_hash_of(entry: RoamingPartnerIn) -> str | None:
    """The hash the entry asks for: of its token, or the token_hash as given."""
    if entry.token is not None:
        return roaming.hash_token(entry.token)
    return entry.token_hash
