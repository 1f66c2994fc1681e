"""The one table of reactions: which handler follows which domain event. A new reaction (billing
re-pricing an ended session, planning re-allocating a depot's power) is one line here."""

from __future__ import annotations

from depotshare.domain.access.events import GrantChanged, GrantReshaping, PartnershipChanged
from depotshare.domain.common.events import Changed
from depotshare.domain.fleet.events import TokenChanged
from depotshare.domain.orgs.events import OrganisationChanged
from depotshare.domain.sites.events import LocationChanged, StationChanged
from depotshare.services.access import local_list_marks
from depotshare.services.common.audit_trail import record_change
from depotshare.services.common.events import EventHandlers


def event_handlers() -> EventHandlers:
    handlers = EventHandlers()
    handlers.on(Changed, record_change)
    handlers.on(TokenChanged, local_list_marks.on_token)
    handlers.on(GrantChanged, local_list_marks.on_grant)
    handlers.on(GrantReshaping, local_list_marks.on_grant)
    handlers.on(PartnershipChanged, local_list_marks.on_partnership)
    handlers.on(LocationChanged, local_list_marks.on_location)
    handlers.on(StationChanged, local_list_marks.on_station)
    handlers.on(OrganisationChanged, local_list_marks.on_organisation)
    return handlers
