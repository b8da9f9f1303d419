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
    """WHERE clauses and parameters for one table under the dashboard's filters."""

    def __init__(self, flt: DashboardFilter, table: str, *, region_of: str | None = None, date_of: str | None = None):
        self.params: dict[str, Any] = {}
        self.clauses = [f"NOT {table}.deleted"]
        if region_of is None:
            region_of = f"{table}.region"
        if flt.region:
            self.clauses.append(f"{region_of} = :region")
            self.params["region"] = flt.region
        if date_of and flt.date_from:
            self.clauses.append(f"{date_of} >= :date_from")
            self.params["date_from"] = flt.date_from
        if date_of and flt.date_until:
            self.clauses.append(f"{date_of} <= :date_until")
            self.params["date_until"] = flt.date_until

    def where(self, *more: str) -> str:
        return " AND ".join([*self.clauses, *more])


def _grouped(conn, sql: str, params: dict) -> dict[str, int]:
    return {(k if k is not None else NOT_STATED): int(n) for k, n in conn.execute(text(sql), params)}


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def organisation_figures(conn, flt: DashboardFilter) -> dict:
    q = _Query(flt, "organisation", date_of=DATE_OF["organisation"])
    by_college: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    for group, target in (("college", by_college), ("region", by_region)):
        rows = conn.execute(text(
            f"SELECT {group}, membership, count(*) FROM organisation WHERE {q.where()} GROUP BY {group}, membership"),
            q.params)
        for key, membership, n in rows:
            cell = target.setdefault(key if key is not None else NOT_STATED, {"partner": 0, "member": 0})
            cell[membership or "partner"] = cell.get(membership or "partner", 0) + int(n)
    totals = _grouped(conn, f"SELECT membership, count(*) FROM organisation WHERE {q.where()} GROUP BY membership", q.params)
    return {
        "total": sum(totals.values()),
        "partners": totals.get("partner", 0),
        "members": totals.get("member", 0),
        "by_college": by_college,
        "by_region": by_region,
        "by_type": _grouped(conn, f"SELECT org_type, count(*) FROM organisation WHERE {q.where()} GROUP BY org_type", q.params),
    }


def practice_figures(conn, flt: DashboardFilter) -> dict:
    q = _Query(flt, "practice", date_of=DATE_OF["practice"])
    states = " OR ".join(f"{f} IS NOT NULL" for f in IMPACT_FIELDS)
    total, with_impacts = conn.execute(text(
        f"SELECT count(*), coalesce(sum(CASE WHEN {states} THEN 1 ELSE 0 END), 0) FROM practice WHERE {q.where()}"),
        q.params).one()
    out = {"total": int(total), "with_impacts": int(with_impacts), "impacts_share": _share(with_impacts, total)}
    for name in ("family", "climate_zone", "review_status"):
        out[f"by_{name}"] = _grouped(conn, f"SELECT {name}, count(*) FROM practice WHERE {q.where()} GROUP BY {name}", q.params)
    return out


def country_figures(conn, flt: DashboardFilter) -> list[dict]:
    """Per country: practices, farmers applying them, area under them and the carbon
    they may store per year (only practices with both an area and a measured SOC change
    count towards the carbon)."""
    q = _Query(flt, "practice", date_of=DATE_OF["practice"])
    rows = conn.execute(text(
        "SELECT country, count(*), coalesce(sum(farmers), 0), coalesce(sum(area_ha), 0), "
        "coalesce(sum(CASE WHEN area_ha IS NOT NULL AND soc_change IS NOT NULL THEN area_ha * soc_change END), 0) "
        f"FROM practice WHERE {q.where()} GROUP BY country"), q.params)
    out = []
    for country, n, farmers, area, carbon in rows:
        out.append({"country": country or NOT_STATED, "practices": int(n), "farmers": int(farmers),
                    "area_ha": float(area), "carbon_t_c_per_year": float(carbon),
                    "carbon_t_co2_per_year": c_to_co2(float(carbon))})
    out.sort(key=lambda r: (-r["carbon_t_c_per_year"], -r["farmers"], r["country"]))
    return out


def meeting_figures(conn, flt: DashboardFilter) -> dict:
    day = flt.day
    q = _Query(flt, "meeting", date_of=DATE_OF["meeting"])
    held_where = q.where("meeting.starts_on <= :today")
    params = q.params | {"today": day}
    held = int(conn.execute(text(f"SELECT count(*) FROM meeting WHERE {held_where}"), params).scalar() or 0)
    people, women, youth = conn.execute(text(
        "SELECT count(*), coalesce(sum(p.gender = 'female'), 0), coalesce(sum(p.age_group = 'youth'), 0) "
        f"FROM meeting_participant p JOIN meeting ON meeting.id = p.meeting_id WHERE NOT p.deleted AND {held_where}"),
        params).one()
    return {"held": held, "people_reached": int(people), "women": int(women), "youth": int(youth),
            "women_share": _share(women, people), "youth_share": _share(youth, people)}


def outcome_figures(conn, flt: DashboardFilter) -> dict:
    """Decisions by outcome and open actions past due, of meetings under the filters."""
    q = _Query(flt, "meeting", date_of=DATE_OF["meeting"])
    by_outcome = _grouped(conn, (
        "SELECT d.outcome, count(*) FROM decision d JOIN meeting ON meeting.id = d.meeting_id "
        f"WHERE NOT d.deleted AND {q.where()} GROUP BY d.outcome"), q.params)
    statuses = ", ".join(f"'{s}'" for s in OPEN_ACTION_STATUSES)
    past_due = conn.execute(text(
        "SELECT count(*) FROM action_item a JOIN meeting ON meeting.id = a.meeting_id "
        f"WHERE NOT a.deleted AND a.status IN ({statuses}) AND a.due_on < :today AND {q.where()}"),
        q.params | {"today": flt.day}).scalar()
    return {"decisions_by_outcome": by_outcome, "open_actions_past_due": int(past_due or 0)}


def project_figures(conn, flt: DashboardFilter) -> dict:
    q = _Query(flt, "project", date_of=DATE_OF["project"])
    by_status = _grouped(conn, f"SELECT status, count(*) FROM project WHERE {q.where()} GROUP BY status", q.params)
    return {"total": sum(by_status.values()), "by_status": by_status}


def series(conn, flt: DashboardFilter) -> dict[str, list[list]]:
    """Each figure per period, oldest first: [[period, value], ...]."""
    out: dict[str, list[list]] = {}

    def run(name: str, sql: str, params: dict) -> None:
        out[name] = [[p, round(v, 6) if isinstance(v, float) else int(v)]
                     for p, v in conn.execute(text(sql), params) if p]

    for table, name in (("organisation", "organisations_joined"), ("practice", "practices_recorded"),
                        ("project", "projects_started")):
        q = _Query(flt, table, date_of=DATE_OF[table])
        per = period_sql(DATE_OF[table], flt.period)
        run(name, f"SELECT {per} AS p, count(*) FROM {table} WHERE {q.where(DATE_OF[table] + ' IS NOT NULL')} "
                  "GROUP BY p ORDER BY p", q.params)
    q = _Query(flt, "practice", date_of=DATE_OF["practice"])
    per = period_sql(DATE_OF["practice"], flt.period)
    run("carbon_t_c_per_year", (
        f"SELECT {per} AS p, coalesce(sum(area_ha * soc_change), 0.0) FROM practice "
        f"WHERE {q.where('area_ha IS NOT NULL', 'soc_change IS NOT NULL')} GROUP BY p ORDER BY p"), q.params)
    q = _Query(flt, "meeting", date_of=DATE_OF["meeting"])
    per = period_sql("meeting.starts_on", flt.period)
    params = q.params | {"today": flt.day}
    held = q.where("meeting.starts_on <= :today")
    run("meetings_held", f"SELECT {per} AS p, count(*) FROM meeting WHERE {held} GROUP BY p ORDER BY p", params)
    run("people_reached", (
        f"SELECT {per} AS p, count(*) FROM meeting_participant mp JOIN meeting ON meeting.id = mp.meeting_id "
        f"WHERE NOT mp.deleted AND {held} GROUP BY p ORDER BY p"), params)
    return out


def compute(store, flt: DashboardFilter | None = None) -> dict:
    """Every figure of the dashboard as one JSON-ready dictionary (codes, not labels)."""
    flt = flt or DashboardFilter()
    with store.engine.connect() as conn:
        return {
            "filters": asdict(flt) | {"today": flt.day},
            "organisations": organisation_figures(conn, flt),
            "practices": practice_figures(conn, flt),
            "meetings": meeting_figures(conn, flt),
            "outcomes": outcome_figures(conn, flt),
            "projects": project_figures(conn, flt),
            "countries": country_figures(conn, flt),
            "over_time": {"period": flt.period, "series": series(conn, flt)},
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
