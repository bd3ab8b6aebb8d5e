"""The knelpunten figures as the page and its CSV show them: Dutch names, links, the period in dates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schemas.identifiers import Domain
from services.dashboard.labels import AMSTERDAM, DOMAIN_NL, MONTHS_NL
from services.geo.registry import BuurtRegistry
from services.reports.areas import UNKNOWN_WIJK, per_wijk, wijken
from services.reports.model import Bucket, Knelpunten, PairTally


@dataclass(frozen=True)
class Line:
    """One row of a knelpunten table: what it counts (key and name) and the counts."""

    key: str
    name: str
    total: int
    open: int
    href: str | None = None
    domain: str = ""
    note: str = ""


@dataclass(frozen=True)
class Month:
    """A column of the table over time."""

    key: str
    label: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class RuleMonths:
    """One rule's escalations per month."""

    rule: str
    title: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class KnelpuntenReport:
    """Every table of the knelpunten page, in the order the page and the CSV show them."""

    first_day: date
    last_day: date
    total: int
    open: int
    rules: tuple[Line, ...]
    policies: tuple[Line, ...]
    domain_pairs: tuple[Line, ...]
    organisation_pairs: tuple[Line, ...]
    wijken: tuple[Line, ...]
    buurten: tuple[Line, ...]
    months: tuple[Month, ...]
    per_month: tuple[int, ...]
    rule_months: tuple[RuleMonths, ...]


def knelpunten_report(
    figures: Knelpunten,
    registry: BuurtRegistry,
    org_names: Mapping[str, str],
    wijk_href: Callable[[str], str],
) -> KnelpuntenReport:
    """The report of `figures`; `wijk_href` links a wijk code to the report filtered on that wijk."""
    titles = {item.rule: item.title for item in figures.rules}
    wijk_names = {wijk.code: f"{wijk.name} ({wijk.stadsdeel_name})" for wijk in wijken(registry)}
    months = tuple(_month(bucket) for bucket in figures.query.months)
    return KnelpuntenReport(
        first_day=months[0].first_day,
        last_day=months[-1].last_day,
        total=figures.total,
        open=figures.open,
        rules=tuple(
            Line(item.rule, item.title, item.total, item.open, href=f"/escalaties?rule={item.rule}")
            for item in figures.rules
        ),
        policies=tuple(
            Line(
                item.reference,
                item.reference,
                item.total,
                item.open,
                domain=domain_nl(item.domain),
                note="; ".join(titles.get(rule, rule) for rule in item.rules),
            )
            for item in figures.policies
        ),
        domain_pairs=tuple(_pair(item, domain_nl) for item in figures.domain_pairs),
        organisation_pairs=tuple(
            _pair(item, lambda slug: org_names.get(slug, slug)) for item in figures.organisation_pairs
        ),
        wijken=tuple(
            Line(
                item.code,
                wijk_names.get(item.code, "onbekende wijk" if item.code == UNKNOWN_WIJK else item.code),
                item.total,
                item.open,
                href=wijk_href(item.code) if item.code in wijk_names else None,
            )
            for item in per_wijk(figures.buurten, registry)
        ),
        buurten=tuple(
            Line(
                item.code,
                buurt.name if (buurt := registry.get(item.code)) else item.code,
                item.total,
                item.open,
                href=f"/escalaties?buurt={item.code}",
                note=buurt.wijk_name if buurt else "",
            )
            for item in figures.buurten
        ),
        months=months,
        per_month=figures.per_month,
        rule_months=tuple(
            RuleMonths(rule, titles.get(rule, rule), counts)
            for rule, counts in sorted(figures.rule_months.items(), key=lambda item: (-sum(item[1]), item[0]))
        ),
    )


def domain_nl(value: str) -> str:
    """A policy's domain in Dutch (the stored value itself if it is not a known domain)."""
    try:
        return DOMAIN_NL[Domain(value)]
    except (ValueError, KeyError):
        return value


def _pair(item: PairTally, name: Callable[[str], str]) -> Line:
    return Line(
        f"{item.first}+{item.second}", f"{name(item.first)} en {name(item.second)}", item.total, item.open
    )


def _month(bucket: Bucket) -> Month:
    first = bucket.start.astimezone(AMSTERDAM).date()
    last = _last_day(bucket.end)
    return Month(
        key=bucket.key, label=f"{MONTHS_NL[first.month - 1]} {first.year}", first_day=first, last_day=last
    )


def _last_day(end: datetime) -> date:
    """The last local day before the exclusive end `end`."""
    return (end.astimezone(AMSTERDAM) - timedelta(microseconds=1)).date()
