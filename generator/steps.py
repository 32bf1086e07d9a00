"""What an inversion produces: steps of rollback SQL, each with its risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Hazard(str, Enum):
    DELETES_DATA = "DELETES_DATA"  # rollback drops something that may hold rows written since
    DATA_NOT_RESTORED = "DATA_NOT_RESTORED"  # the forward migration destroyed data for good
    LOSSY_CAST = "LOSSY_CAST"  # the inverse type change can fail or lose precision
    REWRITES_TABLE = "REWRITES_TABLE"
    ACCESS_EXCLUSIVE_LOCK = "ACCESS_EXCLUSIVE_LOCK"
    BLOCKS_WRITES = "BLOCKS_WRITES"
    AUTHZ = "AUTHZ"  # changes who can read or write
    MANUAL = "MANUAL"  # a person must act
    IRREVERSIBLE = "IRREVERSIBLE"  # acknowledged in the migration: nothing can undo it
    EVENT_TRIGGER = "EVENT_TRIGGER"  # the step fires one of the project's event triggers


@dataclass(frozen=True)
class HazardNote:
    code: Hazard
    reason: str


@dataclass
class Backup:
    """A table of data saved before a destructive step: ``CREATE TABLE <name> AS <query>``."""

    name: str  # unqualified; lives in the backup schema
    query: str  # "TABLE public.t" or "SELECT id, a, b FROM public.t"
    what: str  # "rows of public.t", "columns audio_url, ssml of public.analysis_jobs"


@dataclass
class Step:
    """One block of the rollback.

    ``sql`` holds complete statements, each ending with ``;``. A manual step has
    ``manual`` set to the reason and its ``sql`` (if any) is shown commented out.
    """

    title: str  # "Drop function public.f(bigint)"
    group: str  # heading the markdown groups consecutive steps under: "Drop Functions"
    sql: list[str] = field(default_factory=list)
    hazards: list[HazardNote] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # human descriptions of data lost
    backups: list[Backup] = field(default_factory=list)
    manual: str | None = None
    transactional: bool = True  # False for CREATE/DROP INDEX CONCURRENTLY
    search_path: tuple[str, ...] | None = None  # search_path the SQL must run under
    source: str = ""  # "path:line" of the forward statement
    annotated: bool = False  # the SQL comes from the migration's `-- rollback:` annotation
    irreversible: str | None = None  # reason, from `-- rollback: irreversible <reason>`

    @property
    def data_loss(self) -> bool:
        return any(h.code in (Hazard.DELETES_DATA, Hazard.DATA_NOT_RESTORED) for h in self.hazards)

    def hazard(self, code: Hazard, reason: str) -> Step:
        self.hazards.append(HazardNote(code, reason))
        return self


def overall_risk(steps: list[Step]) -> str:
    """HIGH / MEDIUM / LOW, by the rule written in the README."""
    codes = {h.code for s in steps for h in s.hazards}
    if codes & {Hazard.DELETES_DATA, Hazard.DATA_NOT_RESTORED}:
        return "HIGH"
    widening = any(
        h.code is Hazard.AUTHZ and h.reason.startswith("widens") for s in steps for h in s.hazards
    )
    if widening or codes & {
        Hazard.LOSSY_CAST,
        Hazard.REWRITES_TABLE,
        Hazard.ACCESS_EXCLUSIVE_LOCK,
        Hazard.BLOCKS_WRITES,
        Hazard.MANUAL,
        Hazard.IRREVERSIBLE,
    }:
        return "MEDIUM"
    return "LOW"


# How a rollback's guard begins the message it stops with when the data the migration
# deleted must be restored before the rollback can run (``verify`` counts such a stop as
# a step for a person, not as a wrong rollback)
DATA_FIRST = "restore data first: "
