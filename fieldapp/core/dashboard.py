"""The "4 per 1000" dashboard's figures (strategic objective F3), Qt-free.

What the centre needs (DOMAIN.md, "Figures the centre needs"): partners and members by
college and by region, organisations by type, practices by family, climate zone and review
status with the share that states its impacts, meetings held and people reached with the
shares of women and youth, decisions by outcome and open actions past due, projects by
status, and per country the farmers applying practices, the area under them and the
carbon they may store each year (area x measured SOC change, in t C and t CO2 = t C x
44/12), each also over time by month, quarter or year.

Everything is counted in SQL over live rows (GROUP BY on indexed columns, one scan per
table at most), so 100 000 practices take well under 300 ms (bench/dashboard.py). The
window shows these numbers; `fieldapp dashboard --json` prints the same dictionary.

Filters: a region (each record's own region; a meeting's parts follow their meeting) and
a date range on each record's own date: an organisation's joining date, a practice's
recording date, a meeting's start, a project's start. With a range set, undated records
are left out, since nobody can say they fall inside it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import text

from fieldapp.core.carbon import c_to_co2

PERIODS = ("month", "quarter", "year")
NOT_STATED = ""  # the key of records with no value in a grouped field
IMPACT_FIELDS = ("soc_impact", "soil_health_impact", "yield_impact", "adaptation_impact", "soc_change")
OPEN_ACTION_STATUSES = ("open", "in_progress")

# Each table's date for the range filter and the series over time (SQL on that table).
DATE_OF = {
    "organisation": "organisation.joined_on",
    "practice": "substr(practice.created_at, 1, 10)",
    "meeting": "meeting.starts_on",
    "project": "project.start_date",
}


@dataclass(frozen=True)
class DashboardFilter:
    """What the figures are restricted to; `today` decides what "held" and "past due" mean
    (the machine's date unless a test or a report fixes it)."""

    region: str | None = None
    date_from: str | None = None  # ISO date, inclusive
    date_until: str | None = None  # ISO date, inclusive
    period: str = "year"
    today: str | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        for name in ("date_from", "date_until", "today"):
            value = getattr(self, name)
            if value is not None:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError("date_from must not be after date_until")

    @property
    def day(self) -> str:
        return self.today or dt.date.today().isoformat()


def period_sql(date_expr: str, period: str) -> str:
    """SQL turning an ISO date expression into its period label: 2024-03, 2024-Q1, 2024."""
    if period == "month":
        return f"substr({date_expr}, 1, 7)"
    if period == "quarter":
        return f"(substr({date_expr}, 1, 4) || '-Q' || ((CAST(substr({date_expr}, 6, 2) AS INTEGER) + 2) / 3))"
    if period == "year":
        return f"substr({date_expr}, 1, 4)"
    raise ValueError(period)


class _Query:
    """WHERE clauses and parameters for one table under the dashboard's filters.

    `deleted = 0` (not `NOT deleted`) and `+region` steer SQLite to the covering
    figures indexes (tables.FIGURES_INDEXES) instead of a one-column index whose every
    hit would read the wide row."""

    def __init__(self, flt: DashboardFilter, table: str, *, region_of: str | None = None, date_of: str | None = None):
        self.params: dict[str, Any] = {}
        self.clauses = [f"{table}.deleted = 0"]
        if region_of is None:
            region_of = f"{table}.region"
        if flt.region:
            self.clauses.append(f"+{region_of} = :region")
            self.params["region"] = flt.region
        if date_of and flt.date_from:
            self.clauses.append(f"{date_of} >= :date_from")
            self.params["date_from"] = flt.date_from
        if date_of and flt.date_until:
            self.clauses.append(f"{date_of} <= :date_until")
            self.params["date_until"] = flt.date_until

    def where(self, *more: str) -> str:
        return " AND ".join([*self.clauses, *more])


def _key(value: Any) -> str:
    return value if value is not None else NOT_STATED


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _add(counts: dict, key: str, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


def organisation_figures(conn, flt: DashboardFilter) -> dict:
    """Partners and members by college and region, organisations by type: one grouped
    read of the organisations' figures index, added up here."""
    q = _Query(flt, "organisation", date_of=DATE_OF["organisation"])
    by_college: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    by_type: dict[str, int] = {}
    totals: dict[str, int] = {}
    rows = conn.execute(text(
        "SELECT college, region, membership, org_type, count(*) FROM organisation "
        f"WHERE {q.where()} GROUP BY college, region, membership, org_type"), q.params)
    for college, region, membership, org_type, n in rows:
        membership = membership or "partner"
        for target, key in ((by_college, _key(college)), (by_region, _key(region))):
            cell = target.setdefault(key, {"partner": 0, "member": 0})
            _add(cell, membership, n)
        _add(by_type, _key(org_type), n)
        _add(totals, membership, n)
    return {
        "total": sum(totals.values()), "partners": totals.get("partner", 0), "members": totals.get("member", 0),
        "by_college": dict(sorted(by_college.items())), "by_region": dict(sorted(by_region.items())),
        "by_type": dict(sorted(by_type.items())),
    }


def practice_figures(conn, flt: DashboardFilter) -> tuple[dict, list[dict]]:
    """Practices by family, climate zone and review status with the share stating its
    impacts, and per country the practices, farmers, area and carbon a year (only
    practices with both an area and a measured SOC change count towards the carbon):
    one read of the practices' figures index in its own order, added up here."""
    q = _Query(flt, "practice", date_of=DATE_OF["practice"])
    states = " OR ".join(f"{f} IS NOT NULL" for f in IMPACT_FIELDS)
    rows = conn.execute(text(
        f"SELECT family, climate_zone, review_status, country, count(*), "
        f"sum(CASE WHEN {states} THEN 1 ELSE 0 END), coalesce(sum(farmers), 0), coalesce(sum(area_ha), 0), "
        "coalesce(sum(CASE WHEN area_ha IS NOT NULL AND soc_change IS NOT NULL THEN area_ha * soc_change END), 0) "
        f"FROM practice WHERE {q.where()} GROUP BY family, climate_zone, review_status, country"), q.params)
    groups: dict[str, dict[str, int]] = {"family": {}, "climate_zone": {}, "review_status": {}}
    countries: dict[str, list] = {}
    total = stating = 0
    for family, zone, status, country, n, with_impacts, farmers, area, carbon in rows:
        total += n
        stating += with_impacts
        _add(groups["family"], _key(family), n)
        _add(groups["climate_zone"], _key(zone), n)
        _add(groups["review_status"], _key(status), n)
        cell = countries.setdefault(_key(country), [0, 0, 0.0, 0.0])
        cell[0] += n
        cell[1] += int(farmers)
        cell[2] += float(area)
        cell[3] += float(carbon)
    out: dict[str, Any] = {"total": total, "with_impacts": stating, "impacts_share": _share(stating, total)}
    for name, counts in groups.items():
        out[f"by_{name}"] = dict(sorted(counts.items()))
    per_country = [{"country": c, "practices": n, "farmers": farmers, "area_ha": area, "carbon_t_c_per_year": carbon,
                    "carbon_t_co2_per_year": c_to_co2(carbon)} for c, (n, farmers, area, carbon) in countries.items()]
    per_country.sort(key=lambda r: (-r["carbon_t_c_per_year"], -r["farmers"], r["country"]))
    return out, per_country


def period_of(day: str, period: str) -> str:
    """Python's twin of period_sql, for figures added up here."""
    if period == "year":
        return day[:4]
    if period == "quarter":
        return f"{day[:4]}-Q{(int(day[5:7]) + 2) // 3}"
    return day[:7]


def meeting_series(conn, flt: DashboardFilter) -> tuple[dict, dict[str, list[list]]]:
    """Meetings held and people reached (with women and youth), in total and per period.
    The participants are counted per meeting in their figures index's own order (no
    sort of 50 000 rows), and the meetings' few thousand rows are added up here."""
    q = _Query(flt, "meeting", date_of=DATE_OF["meeting"])
    params = q.params | {"today": flt.day}
    meetings = {mid: day for mid, day in conn.execute(text(
        f"SELECT meeting.id, meeting.starts_on FROM meeting WHERE {q.where('meeting.starts_on <= :today')}"), params)}
    held: dict[str, int] = {}
    for day in meetings.values():
        _add(held, period_of(day, flt.period), 1)
    people: dict[str, int] = {}
    women = youth = 0
    for mid, n, w, y in conn.execute(text(
            "SELECT meeting_id, count(*), coalesce(sum(gender = 'female'), 0), coalesce(sum(age_group = 'youth'), 0) "
            "FROM meeting_participant WHERE deleted = 0 GROUP BY meeting_id")):
        day = meetings.get(mid)
        if day is None:
            continue  # a meeting not held yet, deleted, or outside the filters
        _add(people, period_of(day, flt.period), int(n))
        women += int(w)
        youth += int(y)
    reached = sum(people.values())
    figures = {"held": len(meetings), "people_reached": reached, "women": women, "youth": youth,
               "women_share": _share(women, reached), "youth_share": _share(youth, reached)}
    return figures, {"meetings_held": [[p, n] for p, n in sorted(held.items())],
                     "people_reached": [[p, n] for p, n in sorted(people.items())]}


def outcome_figures(conn, flt: DashboardFilter) -> dict:
    """Decisions by outcome and open actions past due, of meetings under the filters."""
    q = _Query(flt, "meeting", date_of=DATE_OF["meeting"])
    by_outcome = {_key(k): int(n) for k, n in conn.execute(text(
        "SELECT d.outcome, count(*) FROM decision d JOIN meeting ON meeting.id = d.meeting_id "
        f"WHERE d.deleted = 0 AND {q.where()} GROUP BY d.outcome ORDER BY d.outcome"), q.params)}
    statuses = ", ".join(f"'{s}'" for s in OPEN_ACTION_STATUSES)
    past_due = conn.execute(text(
        "SELECT count(*) FROM action_item a JOIN meeting ON meeting.id = a.meeting_id "
        f"WHERE a.deleted = 0 AND a.status IN ({statuses}) AND a.due_on < :today AND {q.where()}"),
        q.params | {"today": flt.day}).scalar()
    return {"decisions_by_outcome": by_outcome, "open_actions_past_due": int(past_due or 0)}


def project_figures(conn, flt: DashboardFilter) -> dict:
    q = _Query(flt, "project", date_of=DATE_OF["project"])
    by_status = {_key(k): int(n) for k, n in conn.execute(text(
        f"SELECT status, count(*) FROM project WHERE {q.where()} GROUP BY status ORDER BY status"), q.params)}
    return {"total": sum(by_status.values()), "by_status": by_status}


def period_start(label: str, period: str) -> str:
    """The first day of a period label (2024 -> 2024-01-01, 2024-Q2 -> 2024-04-01)."""
    if period == "year":
        return f"{label}-01-01"
    if period == "quarter":
        year, q = label.split("-Q")
        return f"{year}-{(int(q) - 1) * 3 + 1:02d}-01"
    return f"{label}-01"


MAX_PERIODS = 1200  # a hundred years of months; past that, one grouped query instead


def practice_series(conn, flt: DashboardFilter) -> tuple[list[list], list[list]]:
    """Practices recorded and the carbon a year of those, per period. One count per
    period over a range of the `recorded` index (deleted, created_at, ...): 100 000
    practices are read once in date order and never sorted."""
    q = _Query(flt, "practice", date_of=DATE_OF["practice"])
    first, last = conn.execute(text(
        "SELECT min(created_at), max(created_at) FROM practice WHERE practice.deleted = 0")).one()
    recorded: list[list] = []
    carbon: list[list] = []
    if not first:
        return recorded, carbon
    label, end = period_of(first, flt.period), period_of(last, flt.period)
    labels = [label]
    while label != end and len(labels) <= MAX_PERIODS:
        label = _next_period(label, flt.period)
        labels.append(label)
    carbon_sum = "sum(CASE WHEN area_ha IS NOT NULL AND soc_change IS NOT NULL THEN area_ha * soc_change END)"
    if len(labels) > MAX_PERIODS:
        per = period_sql(DATE_OF["practice"], flt.period)
        rows = conn.execute(text(f"SELECT {per} AS p, count(*), {carbon_sum} FROM practice WHERE {q.where()} "
                                 "GROUP BY p ORDER BY p"), q.params).all()
    else:
        stmt = text(f"SELECT count(*), {carbon_sum} FROM practice "
                    f"WHERE {q.where('practice.created_at >= :start', 'practice.created_at < :stop')}")
        rows = []
        for label in labels:
            start, stop = period_start(label, flt.period), period_start(_next_period(label, flt.period), flt.period)
            n, c = conn.execute(stmt, q.params | {"start": start, "stop": stop}).one()
            if n:
                rows.append((label, n, c))
    for p, n, c in rows:
        if p:
            recorded.append([p, int(n)])
            if c is not None:
                carbon.append([p, round(float(c), 6)])
    return recorded, carbon


def series(conn, flt: DashboardFilter) -> dict[str, list[list]]:
    """Organisations joined, practices recorded with their carbon a year, and projects
    started, per period, oldest first: [[period, value], ...] (meetings come from
    meeting_series)."""
    out: dict[str, list[list]] = {}
    for table, name in (("organisation", "organisations_joined"), ("project", "projects_started")):
        q = _Query(flt, table, date_of=DATE_OF[table])
        per = period_sql(DATE_OF[table], flt.period)
        out[name] = [[p, int(n)] for p, n in conn.execute(text(
            f"SELECT {per} AS p, count(*) FROM {table} WHERE {q.where(DATE_OF[table] + ' IS NOT NULL')} "
            "GROUP BY p ORDER BY p"), q.params) if p]
    recorded, carbon = practice_series(conn, flt)
    out["practices_recorded"] = recorded
    out["carbon_t_c_per_year"] = carbon
    return out


def _next_period(label: str, period: str) -> str:
    if period == "year":
        return str(int(label) + 1)
    year, rest = label.split("-")
    if period == "quarter":
        q = int(rest[1:])
        return f"{int(year) + 1}-Q1" if q == 4 else f"{year}-Q{q + 1}"
    m = int(rest)
    return f"{int(year) + 1}-01" if m == 12 else f"{year}-{m + 1:02d}"


def fill_periods(points: list[list], period: str) -> list[list]:
    """The periods between the first and the last with nothing in them, as zeros: a
    chart over time then shows the quiet years instead of skipping them."""
    if len(points) < 2:
        return points
    have = {p: v for p, v in points}
    out = []
    label = points[0][0]
    last = points[-1][0]
    for _ in range(5000):  # 400 years of months: more than any record holds
        out.append([label, have.get(label, 0)])
        if label == last:
            return out
        label = _next_period(label, period)
    return points  # labels that are not periods (a malformed date): keep them as they are


def compute(store, flt: DashboardFilter | None = None) -> dict:
    """Every figure of the dashboard as one JSON-ready dictionary (codes, not labels)."""
    flt = flt or DashboardFilter()
    with store.engine.connect() as conn:
        practices, countries = practice_figures(conn, flt)
        meetings, meeting_points = meeting_series(conn, flt)
        over_time = {name: fill_periods(points, flt.period) for name, points in (series(conn, flt) | meeting_points).items()}
        return {
            "filters": asdict(flt) | {"today": flt.day},
            "organisations": organisation_figures(conn, flt),
            "practices": practices,
            "meetings": meetings,
            "outcomes": outcome_figures(conn, flt),
            "projects": project_figures(conn, flt),
            "countries": countries,
            "over_time": {"period": flt.period, "series": over_time},
        }


Label = Callable[[str, str], str]  # (what the code is, code) -> words for a person


def csv_rows(figures: dict, label: Label | None = None) -> Iterable[list]:
    """The figures as rows of (section, code, label, value) for a spreadsheet; `label`
    words a code (sections: college, region, org_type, family, climate_zone,
    review_status, outcome, status, membership, country)."""
    label = label or (lambda _kind, code: code)
    org, pr = figures["organisations"], figures["practices"]
    yield ["section", "code", "label", "value"]
    for key in ("total", "partners", "members"):
        yield ["organisations", key, "", org[key]]
    for group in ("college", "region"):
        for code, cell in org[f"by_{group}"].items():
            for membership, n in cell.items():
                yield [f"organisations by {group} ({membership})", code, label(group, code), n]
    for code, n in org["by_type"].items():
        yield ["organisations by type", code, label("org_type", code), n]
    for key in ("total", "with_impacts", "impacts_share"):
        yield ["practices", key, "", pr[key]]
    for group in ("family", "climate_zone", "review_status"):
        for code, n in pr[f"by_{group}"].items():
            yield [f"practices by {group}", code, label(group, code), n]
    for key, value in figures["meetings"].items():
        yield ["meetings", key, "", value]
    for code, n in figures["outcomes"]["decisions_by_outcome"].items():
        yield ["decisions by outcome", code, label("outcome", code), n]
    yield ["actions", "open_actions_past_due", "", figures["outcomes"]["open_actions_past_due"]]
    for code, n in figures["projects"]["by_status"].items():
        yield ["projects by status", code, label("status", code), n]
    for row in figures["countries"]:
        for key in ("practices", "farmers", "area_ha", "carbon_t_c_per_year", "carbon_t_co2_per_year"):
            yield [f"country {key}", row["country"], label("country", row["country"]), row[key]]
    period = figures["over_time"]["period"]
    for name, points in figures["over_time"]["series"].items():
        for p, value in points:
            yield [f"{name} per {period}", p, p, value]


def to_csv(figures: dict, label: Label | None = None) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_rows(figures, label))
    return buf.getvalue()
