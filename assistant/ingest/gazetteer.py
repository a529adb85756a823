"""UK local authorities, read once from the package's data file (reference/authorities.tsv, documented in its header)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Kinds whose councils run children's services themselves.
SERVICE_KINDS = frozenset({"london", "metropolitan", "county", "unitary", "principal", "council"})


@dataclass(frozen=True)
class Authority:
    name: str
    nation: str
    kind: str
    aliases: tuple[str, ...]
    # A district's county, a former council's successors, a joint area's councils.
    related: tuple[str, ...]
    # Names (or aliases) that are also ordinary words or personal names: read only when capitalised.
    words: frozenset[str]


@cache
def authorities() -> tuple[Authority, ...]:
    text = resources.files("assistant.ingest").joinpath("reference/authorities.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines, delimiter="\t"):
        aliases = [a for a in row["aliases"].split("|") if a]
        words = {a.lstrip("*") for a in aliases if a.startswith("*")}
        if row["word"] == "1":
            words.add(row["name"])
        rows.append(Authority(
            name=row["name"], nation=row["nation"], kind=row["kind"],
            aliases=tuple(a.lstrip("*") for a in aliases),
            related=tuple(r for r in row["related"].split("|") if r),
            words=frozenset(words),
        ))
    names = [r.name for r in rows]
    if len(names) != len(set(names)):
        raise ValueError("authorities.tsv names an authority twice")
    return tuple(rows)


@cache
def by_name() -> dict[str, Authority]:
    return {a.name: a for a in authorities()}


NAMES: tuple[str, ...] = tuple(a.name for a in authorities())
# English councils with children's services, as the synthetic corpus draws them.
AUTHORITIES: tuple[str, ...] = tuple(
    a.name for a in authorities() if a.nation == "England" and a.kind in SERVICE_KINDS
)
ALIASES: dict[str, str] = {alias: a.name for a in authorities() for alias in a.aliases}
