"""The running system's shared parts: settings, engine, the unit-of-work factory with the
event handlers every use case's events go to."""

from __future__ import annotations

from depotshare.config import Settings
from depotshare.services.common import migrations
from depotshare.services.common.ports import Clock, StationCommands, SystemClock
from depotshare.services.common.unit_of_work import UnitOfWork
from depotshare.services.handlers import event_handlers
from depotshare.store.common.database import make_engine, make_sessionmaker


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()  # tests of time rules set their own
        self.engine = make_engine(settings.database_url, echo=settings.log_sql)
        self._sessionmaker = make_sessionmaker(self.engine)
        self.handlers = event_handlers()
        # Set by the OCPP gateway when it is mounted; remote-command services use it.
        self.station_commands: StationCommands | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessionmaker, self.handlers, self.clock)

    async def migrate(self) -> None:
        await migrations.upgrade_engine(self.engine)

    async def require_current_schema(self) -> None:
        await migrations.require_current_schema(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
