"""A station's registration: what its BootNotification is answered with. Stations an operator
registered are accepted; unknown ones admitted by a location's prefix wait as pending."""

from __future__ import annotations

import enum


class RegistrationStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    PENDING = "pending"  # may connect and boot, waits for an operator to accept it
    REJECTED = "rejected"  # its BootNotification is answered Rejected
