"""The access rule for a token at a station, as every caller imports it. The facts live in
facts.py and grants.py, the rule in engine.py; with no grants `decide` admits exactly the
location owner's own fleet (the implicit internal grant)."""

from __future__ import annotations

from depotshare.domain.access.engine import decide
from depotshare.domain.access.facts import (
    AuthStatus,
    Decision,
    OpenSession,
    SiteFacts,
    TokenFacts,
    validity_end,
)

__all__ = ["AuthStatus", "Decision", "OpenSession", "SiteFacts", "TokenFacts", "decide", "validity_end"]
