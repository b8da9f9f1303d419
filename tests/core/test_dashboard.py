"""The dashboard's figures against independent counts: plain sqlite3 queries written
apart from fieldapp.core.dashboard, or Python loops over the store's rows."""
from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter

import pytest

from fieldapp.core import dashboard
from fieldapp.core.carbon import c_to_co2
from fieldapp.core.dashboard import DashboardFilter

TODAY = "2026-06-30"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from fieldapp.core import demo
    from fieldapp.core.store import Store

    s = Store(tmp_path_factory.mktemp("dash") / "data", author="tester")
    demo.generate(s, scale=200, seed=3)
    # one deleted row of each counted kind: never counted
    s.delete("practice", s.ids("practice", limit=1)[0])
    s.delete("organisation", s.ids("organisation", limit=1)[0])
    yield s
    s.close()


@pytest.fixture(scope="module")
def db(demo_store):
    conn = sqlite3.connect(demo_store.db_path)
    yield conn
    conn.close()


def sql_groups(db, sql: str, *params) -> dict:
    return {(k if k is not None else ""): n for k, n in db.execute(sql, params)}


def test_partners_and_members_by_college_region_and_type(demo_store, db):
    f = dashboard.compute(demo_store, DashboardFilter(today=TODAY))["organisations"]
    for group in ("college", "region"):
        for membership in ("partner", "member"):
            expected = sql_groups(db, f"SELECT {group}, COUNT(*) FROM organisation WHERE deleted = 0 AND membership = ? "
                                      f"GROUP BY {group}", membership)
            got = {k: v[membership] for k, v in f[f"by_{group}"].items() if v[membership]}
            assert got == expected and expected
    assert f["by_type"] == sql_groups(db, "SELECT org_type, COUNT(*) FROM organisation WHERE deleted = 0 GROUP BY org_type")
    live = db.execute("SELECT COUNT(*) FROM organisation WHERE deleted = 0").fetchone()[0]
    assert f["total"] == live == f["partners"] + f["members"]


def test_practices_by_family_zone_status_and_impacts_share(demo_store, db):
    f = dashboard.compute(demo_store, DashboardFilter(today=TODAY))["practices"]
    for name in ("family", "climate_zone", "review_status"):
        assert f[f"by_{name}"] == sql_groups(db, f"SELECT {name}, COUNT(*) FROM practice WHERE deleted = 0 GROUP BY {name}")
    rows = demo_store.records("practice")
    stating = [r for r in rows if any(r[k] is not None for k in dashboard.IMPACT_FIELDS)]
    assert f["total"] == len(rows)
    assert f["with_impacts"] == len(stating)
    assert f["impacts_share"] == pytest.approx(len(stating) / len(rows))


def test_meetings_people_reached_and_shares(demo_store):
    f = dashboard.compute(demo_store, DashboardFilter(today=TODAY))["meetings"]
    held = [m for m in demo_store.records("meeting") if m["starts_on"] <= TODAY]
    people = [p for m in held for p in demo_store.children("meeting_participant", m["id"])]
    assert f["held"] == len(held) > 0
    assert f["people_reached"] == len(people) > 0
    assert f["women"] == sum(p["gender"] == "female" for p in people)
    assert f["youth"] == sum(p["age_group"] == "youth" for p in people)
    assert f["women_share"] == pytest.approx(f["women"] / len(people))


def test_decisions_by_outcome_open_actions_past_due_projects_by_status(demo_store, db):
    f = dashboard.compute(demo_store, DashboardFilter(today=TODAY))
    assert f["outcomes"]["decisions_by_outcome"] == sql_groups(
        db, "SELECT d.outcome, COUNT(*) FROM decision d JOIN meeting m ON m.id = d.meeting_id "
            "WHERE d.deleted = 0 AND m.deleted = 0 GROUP BY d.outcome")
    actions = [a for m in demo_store.records("meeting") for a in demo_store.children("action_item", m["id"])]
    late = [a for a in actions if a["status"] in ("open", "in_progress") and a["due_on"] and a["due_on"] < TODAY]
    assert f["outcomes"]["open_actions_past_due"] == len(late)
    assert f["projects"]["by_status"] == sql_groups(db, "SELECT status, COUNT(*) FROM project WHERE deleted = 0 GROUP BY status")


def test_per_country_farmers_area_and_carbon(demo_store):
    rows = dashboard.compute(demo_store, DashboardFilter(today=TODAY))["countries"]
    expected: dict[str, list] = {}
    for p in demo_store.records("practice"):
        cell = expected.setdefault(p["country"], [0, 0, 0.0, 0.0])
        cell[0] += 1
        cell[1] += p["farmers"] or 0
        cell[2] += p["area_ha"] or 0
        if p["area_ha"] is not None and p["soc_change"] is not None:
            cell[3] += p["area_ha"] * p["soc_change"]
    assert {r["country"] for r in rows} == set(expected)
    for r in rows:
        n, farmers, area, carbon = expected[r["country"]]
        assert (r["practices"], r["farmers"]) == (n, farmers)
        assert r["area_ha"] == pytest.approx(area)
        assert r["carbon_t_c_per_year"] == pytest.approx(carbon)
        assert r["carbon_t_co2_per_year"] == pytest.approx(carbon * 44 / 12)
    carbon = [r["carbon_t_c_per_year"] for r in rows]
    assert carbon == sorted(carbon, reverse=True)


def test_carbon_follows_domain_arithmetic(store):
    # 10 ha gaining 0.234 t C/ha/yr (DOMAIN.md's 4 per 1000 target for 58.5 t C/ha)
    store.insert("practice", {"title": "Zaï", "family": "agroecology", "country": "BF", "area_ha": 10, "soc_change": 0.234,
                              "farmers": 12})
    store.insert("practice", {"title": "No area", "family": "agroecology", "country": "BF", "soc_change": 1.0, "farmers": 3})
    (bf,) = dashboard.compute(store)["countries"]
    assert bf == {"country": "BF", "practices": 2, "farmers": 15, "area_ha": 10.0,
                  "carbon_t_c_per_year": pytest.approx(2.34), "carbon_t_co2_per_year": pytest.approx(c_to_co2(2.34))}
    assert bf["carbon_t_co2_per_year"] == pytest.approx(8.58, abs=0.001)


def test_region_filter(demo_store, db):
    f = dashboard.compute(demo_store, DashboardFilter(region="AFR", today=TODAY))
    assert f["practices"]["by_family"] == sql_groups(
        db, "SELECT family, COUNT(*) FROM practice WHERE deleted = 0 AND region = 'AFR' GROUP BY family")
    assert f["organisations"]["total"] == db.execute(
        "SELECT COUNT(*) FROM organisation WHERE deleted = 0 AND region = 'AFR'").fetchone()[0]
    afr_meetings = [m for m in demo_store.records("meeting", {"region": "AFR"}) if m["starts_on"] <= TODAY]
    assert f["meetings"]["held"] == len(afr_meetings)


def test_date_range_uses_each_records_own_date(demo_store):
    flt = DashboardFilter(date_from="2019-01-01", date_until="2022-12-31", today=TODAY)
    f = dashboard.compute(demo_store, flt)
    orgs = [o for o in demo_store.records("organisation") if o["joined_on"] and "2019-01-01" <= o["joined_on"] <= "2022-12-31"]
    assert f["organisations"]["total"] == len(orgs) > 0
    meetings = [m for m in demo_store.records("meeting") if "2019-01-01" <= m["starts_on"] <= "2022-12-31"]
    assert f["meetings"]["held"] == len(meetings)
    projects = [p for p in demo_store.records("project") if p["start_date"] and "2019-01-01" <= p["start_date"] <= "2022-12-31"]
    assert f["projects"]["total"] == len(projects)


@pytest.mark.parametrize("period, label", [("month", "2021-05"), ("quarter", "2021-Q2"), ("year", "2021")])
def test_series_over_time(store, period, label):
    for day in ("2021-05-03", "2021-05-30", "2021-06-01"):
        store.insert("organisation", {"name": f"Org {day}", "org_type": "ngo", "country": "FR", "joined_on": day})
    store.insert("organisation", {"name": "Undated", "org_type": "ngo", "country": "FR"})
    series = dashboard.compute(store, DashboardFilter(period=period))["over_time"]["series"]["organisations_joined"]
    counts = dict(series)
    assert counts[label] == (2 if period == "month" else 3)
    assert sum(counts.values()) == 3  # the undated one is in no period
    assert [p for p, _n in series] == sorted(p for p, _n in series)


def test_bad_filters_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="period"):
        DashboardFilter(period="week")
    with pytest.raises(ValueError, match="date_from must be a date"):
        DashboardFilter(date_from="31/12/2024")
    with pytest.raises(ValueError, match="after"):
        DashboardFilter(date_from="2024-02-01", date_until="2024-01-01")


def test_csv_has_every_section_with_labels(demo_store):
    figures = dashboard.compute(demo_store, DashboardFilter(today=TODAY))
    text = dashboard.to_csv(figures, lambda kind, code: f"<{kind}:{code}>")
    lines = text.splitlines()
    assert lines[0] == "section,code,label,value"
    sections = Counter(line.split(",")[0] for line in lines[1:])
    for s in ("organisations by college (partner)", "practices by family", "meetings", "decisions by outcome",
              "projects by status", "country carbon_t_c_per_year", "organisations_joined per year"):
        assert sections[s] > 0, s
    family, n = next(iter(figures["practices"]["by_family"].items()))
    assert f"practices by family,{family},<family:{family}>,{n}" in lines


def test_cli_prints_the_same_figures_as_json(demo_store, monkeypatch):
    from fieldapp import cli

    out = io.StringIO()
    args = cli.build_parser().parse_args(["dashboard", "--json", "--region", "EUR", "--period", "quarter"])
    assert cli.COMMANDS["dashboard"](demo_store, args, out) == 0
    printed = json.loads(out.getvalue())
    expected = json.loads(json.dumps(dashboard.compute(demo_store, DashboardFilter(region="EUR", period="quarter"))))
    assert printed == expected
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    bad = cli.build_parser().parse_args(["dashboard", "--region", "MARS"])
    assert cli.COMMANDS["dashboard"](demo_store, bad, io.StringIO()) == 2
    assert "MARS" in err.getvalue()


@pytest.mark.parametrize("period, points, filled", [
    ("year", [["2019", 2], ["2022", 1]], [["2019", 2], ["2020", 0], ["2021", 0], ["2022", 1]]),
    ("quarter", [["2021-Q3", 1], ["2022-Q2", 4]], [["2021-Q3", 1], ["2021-Q4", 0], ["2022-Q1", 0], ["2022-Q2", 4]]),
    ("month", [["2021-11", 1], ["2022-01", 2]], [["2021-11", 1], ["2021-12", 0], ["2022-01", 2]]),
])
def test_quiet_periods_show_as_zero(period, points, filled):
    assert dashboard.fill_periods(points, period) == filled


def test_series_run_without_gaps(demo_store):
    series = dashboard.compute(demo_store, DashboardFilter(today=TODAY))["over_time"]["series"]["meetings_held"]
    years = [int(p) for p, _n in series]
    assert years == list(range(years[0], years[-1] + 1))
    assert sum(n for _p, n in series) == dashboard.compute(demo_store, DashboardFilter(today=TODAY))["meetings"]["held"]
