"""A partnership as the import and the API take it: a host opens its places to a partner company,
with a status, a validity, a tariff, a revenue share and (in the import) its grants; and the
rules one partnership keeps on its own (revenue shares, validity, its grants' rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from depotshare.domain.access.grant_terms import GrantIn, check_grant
from depotshare.domain.access.grants import PartnershipStatus
from depotshare.domain.common.errors import Problems
from depotshare.domain.common.inputs import DecimalText, Entry, Key
from depotshare.domain.fleet import tokens as token_rules

OPERATOR = "operator"  # the revenue-share party that is the platform operator


class ShareIn(Entry):
    party: Key  # an organisation key, or "operator"
    percent: DecimalText


class PartnershipIn(Entry):
    key: Key | None = None
    host: Key
    partner: Key
    status: PartnershipStatus = PartnershipStatus.ACTIVE
    valid_from: date | None = None
    valid_until: date | None = None
    tariff: Key | None = None
    revenue_share: list[ShareIn] = Field(default_factory=list)
    grants: list[GrantIn] = Field(default_factory=list)


def check_partnership(p: PartnershipIn, here: str, problems: Problems) -> PartnershipIn:
    if p.host == p.partner:
        problems.add(f"{here}.partner", "host and partner are the same organisation")
    problems.check(
        lambda: token_rules.check_validity(p.valid_from, p.valid_until, f"{here}.valid_until"), None
    )
    _check_revenue_share(p.revenue_share, here, problems)
    keys: dict[str, int] = {}
    grants = []
    for j, grant in enumerate(p.grants):
        at = f"{here}.grants[{j}]"
        if grant.key is not None:
            if grant.key in keys:
                problems.add(f"{at}.key", f"grant {grant.key!r} is given twice (first at {here}.grants[{keys[grant.key]}].key)")  # fmt: skip
            keys.setdefault(grant.key, j)
        grants.append(check_grant(grant, at, problems))
    return p.model_copy(update={"grants": grants}) if "grants" in p.model_fields_set else p


def _check_revenue_share(shares: list[ShareIn], here: str, problems: Problems) -> None:
    """Each party once, each share in (0, 100], all together 100 percent (or no shares at all)."""
    parties: set[str] = set()
    total = Decimal(0)
    for i, share in enumerate(shares):
        at = f"{here}.revenue_share[{i}]"
        if share.party in parties:
            problems.add(f"{at}.party", f"party {share.party!r} is given twice")
        parties.add(share.party)
        if not Decimal(0) < Decimal(share.percent) <= 100:
            problems.add(f"{at}.percent", "a share is more than 0 and at most 100 percent")
        total += Decimal(share.percent)
    if shares and total != 100:
        problems.add(f"{here}.revenue_share", f"the shares add up to {total} percent, not 100")
