"""Build the demo provinces: Gansu 2022–2025 (GS2022), small Guangdong 2019 (GD2019) and Bozhou 2016 (BZ2016).

Deterministic: one ``random.Random(seed)`` drives every choice, dates come from the programs, never the clock.
The rotation schedules and the planted violations (``violations.PLANTED``) do not depend on the seed; the seed
changes names, team sizes, numbers and statuses. Everything not planted is compliant with SPEC §3.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import connection, models, transaction

from devtools.demo import names
from devtools.demo.builder.agreements import AgreementsMixin
from devtools.demo.builder.base import BATCH, DEMO_PROGRAMS, DEMO_PROVINCES, TZ, Plan, at, min_end, months
from devtools.demo.builder.capacity import CapacityMixin
from devtools.demo.builder.places import PlacesMixin
from devtools.demo.builder.plans import PlansMixin
from devtools.demo.builder.records import RecordsMixin
from devtools.demo.builder.staffing import StaffingMixin
from devtools.demo.builder.training import TrainingMixin
from devtools.demo.users import create_demo_people, create_demo_users
from devtools.demo.violations import Planted, gs_shift, planted
from pairings.models import County, Hospital, Program

# What the rest of the project imports from ``pairings.demo.builder``.
__all__ = [
    "BATCH",
    "DEMO_PROGRAMS",
    "DEMO_PROVINCES",
    "TZ",
    "DemoBuilder",
    "Plan",
    "at",
    "build_demo",
    "demo_present",
    "min_end",
    "months",
    "seeding_context",
]


class DemoBuilder(
    PlacesMixin, PlansMixin, StaffingMixin, AgreementsMixin, TrainingMixin, RecordsMixin, CapacityMixin
):
    def __init__(self, seed: int = 2022, *, verbose: bool = False, today: dt.date | None = None) -> None:
        self.seed = seed
        # The day the demo is laid for: the main program (GS2022) is moved by whole years so that this day
        # falls in its last year (``gs_shift``); the ended programs GD2019 and BZ2016 keep their dates.
        self.today = today or dt.date.today()
        self.shift = gs_shift(self.today)
        self.rng = random.Random(seed)
        self.verbose = verbose
        self.planted: list[Planted] = []
        self.used_ids: set[str] = set()
        self.planted_seq = 0
        self.hospitals: dict[str, Hospital] = {}
        self.counties: dict[str, County] = {}  # by name (names are unique across the demo provinces)
        self.plans: list[Plan] = []
        self.programs: dict[str, Program] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.users: dict[str, Any] = {}

    # --- helpers --------------------------------------------------------------------------------------

    def log(self, msg: str) -> None:
        if self.verbose:
            print(msg)

    def bulk(self, model: type[models.Model], objs: list[Any]) -> list[Any]:
        t0 = time.monotonic()
        model.objects.bulk_create(objs, batch_size=BATCH)  # type: ignore[attr-defined]
        self.counts[model.__name__] += len(objs)
        self.log(f"  {model.__name__:<24} {len(objs):>8} {time.monotonic() - t0:6.2f}s")
        return objs

    def plant(self, **kw: Any) -> None:
        self.planted.append(Planted(**kw))

    def new_id(self, area: str, birth_year: int) -> str:
        rng = self.rng
        while True:
            birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            nid = names.national_id(area, birth, rng.randrange(1000))
            if nid not in self.used_ids:
                self.used_ids.add(nid)
                return nid

    def planted_id(self) -> str:
        """A fixed, seed-independent ID for a person named in the manifest."""
        self.planted_seq += 1
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=97 * self.planted_seq)
        nid = names.national_id("620102", birth, 900 + self.planted_seq)
        self.used_ids.add(nid)
        return nid

    # --- entry point ----------------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        t0 = time.monotonic()
        # Reserve the planted IDs first so random ones never collide with them.
        self._reserved = [self.planted_id() for _ in range(40)]
        self._reserved.reverse()
        self.build_places()
        self.build_programs()

        self.users = create_demo_users(self)
        self.build_pairings()
        self.plan_gansu()
        self.plan_guangdong()
        self.plan_bozhou()
        self.verify_day_rules()
        self.build_teams_and_deployments()
        create_demo_people(self)
        self.build_agreements()
        self.build_training()
        self.build_individual_records()
        self.build_capacity()

        if sorted(map(repr, self.planted)) != sorted(map(repr, planted(self.shift))):
            raise AssertionError("planted violations differ from violations.planted()")
        self.log(f"built in {time.monotonic() - t0:.1f}s")
        return dict(self.counts)

    def gs_year(self, year: int) -> int:
        """A year of the main program as written for its 2022–2025 cycle, moved to the demo's cycle."""
        return year + self.shift

    def gs_date(self, year: int, month: int, day: int) -> dt.date:
        return dt.date(year + self.shift, month, day)

    def take_planted_id(self) -> str:
        return self._reserved.pop()

    # --- places and hospitals -------------------------------------------------------------------------


def demo_present() -> bool:
    return Program.objects.filter(code__in=DEMO_PROGRAMS).exists()


def build_demo(seed: int = 2022, *, verbose: bool = False, today: dt.date | None = None) -> DemoBuilder:
    """Build every demo program in one transaction, laid for ``today`` (default: the real today); returns
    the builder (counts, planted items)."""
    with transaction.atomic(), seeding_context(seed=seed):
        builder = DemoBuilder(seed, verbose=verbose, today=today)
        builder.build()
    return builder


@contextlib.contextmanager
def seeding_context(*, audit: bool = True, **metadata: Any) -> Iterator[None]:
    """Audit context for the seed, and the trigger settings defined so each row's audit trigger is cheap.

    The pgtrigger/pghistory trigger functions read two session settings inside an EXCEPTION block; when a
    setting is undefined every row raises and rolls back a subtransaction, which made audited bulk inserts
    ten times slower. Defining both (an empty ignore list, the seed's audit context) avoids that.
    """
    import pghistory

    with pghistory.context(source="seed_demo", **metadata), connection.cursor() as cur:
        ignore = "{}"
        if not audit:
            # pghistory's event triggers (pgtrigger_insert_insert_<hash> …): a synthetic benchmark or the
            # wiping of demo data needs no audit trail, and skipping it saves a third of the time.
            cur.execute(
                "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname SIMILAR TO %s",
                ["pgtrigger_(insert_insert|update_update|delete_delete)_%"],
            )
            ignore = "{" + ",".join(row[0] for row in cur.fetchall()) + "}"
        cur.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignore])
        yield
