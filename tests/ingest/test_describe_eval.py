"""describe-eval: the documented matching of free-text truth cells, and the devset figures it reports."""
from __future__ import annotations

import subprocess

import pytest

from assistant.eval.metadata import (
    FIELDS, accepted_types, authority_hit, evaluate, held_out, judgement_hit, report, visit_hit,
)
from assistant.ingest.describe import Description
from tests.conftest import DEVSET, cli_command

TARGETS = {"authority": 0.95, "inspection_type": 0.85, "visit_date": 0.80, "overall_judgement": 0.85}


def _described(**fields) -> Description:
    values = dict(authority="unknown", inspection_type="unknown", inspectorates=(), judgements=(), date="unknown")
    values.update(fields)
    return Description(**values)


def test_authority_cells():
    assert authority_hit("South Tees (two local authorities, not named)", _described(authority="South Tees"))
    several = "Central Bedfordshire; Wokingham; Knowsley"
    assert authority_hit(several, _described(authority="Wokingham", authorities=("Wokingham", "Central Bedfordshire", "Knowsley")))
    assert not authority_hit(several, _described(authority="Wokingham", authorities=("Wokingham",)))
    assert not authority_hit("Lincolnshire", _described(authority="North Lincolnshire"))


def test_type_cells_map_to_the_taxonomy():
    assert accepted_types("re-inspection (single inspection framework)", "Ofsted") == {
        "re-inspection", "single inspection framework"}
    assert accepted_types("full inspection of children's services", "Ofsted") == {
        "ILACS inspection", "single inspection framework"}
    assert accepted_types("inspection of children's services", "Care Inspectorate Wales") == {
        "Care Inspectorate Wales inspection"}
    assert accepted_types("joint inspection of services for children at risk of harm", "Care Inspectorate") == {
        "Scottish joint inspection"}
    assert accepted_types("local area SEND revisit", "Ofsted, CQC") == {"SEND revisit"}


def test_visit_date_cells():
    assert visit_hit("2019-02/2019-03 (last ILACS; Assembly meeting 2023-05-17)", _described(visit_start="2019-02"))
    assert not visit_hit("2019-02/2019-03 (last ILACS)", _described(visit_start="2023-05-17"))
    assert visit_hit("December 7-8 (year not stated; previous inspection 2020-03)", _described(visit_start="--12-07"))
    assert visit_hit("2021-07 and 2022-07 (letters)", _described(visit_start="2022-07"))
    assert visit_hit("2019", _described(visit_start="2019-11-04"))
    # A publication date is not a visit date: "not stated" wants the visit unknown.
    assert visit_hit("not stated (article 2022-12-16)", _described(published="2022-12-16"))
    assert not visit_hit("not stated (article 2022-12-16)", _described(visit_start="2022-12-16"))


def test_judgement_cells():
    assert judgement_hit("requires improvement to be good (was good in 2017-11)", _described(overall="requires improvement"))
    assert judgement_hit("none (ungraded visits)", _described(overall="none"))
    assert judgement_hit("not stated", _described(overall="unknown"))
    assert not judgement_hit("none for the visit (previous inspection: requires improvement to be good)",
                             _described(overall="requires improvement"))
    assert judgement_hit("three homes outstanding; four homes good", _described(overall="outstanding"))


def test_held_out_split_is_ids_divisible_by_five():
    assert held_out("05_x.txt") and held_out("40_y.txt") and not held_out("01_z.txt")


@pytest.mark.skipif(not (DEVSET / "metadata.tsv").is_file(), reason="the devset (../shared/devset) is not beside the repo")
def test_devset_meets_the_targets():
    results = evaluate(DEVSET)
    assert len(results) == 40 * len(FIELDS)
    for field, target in TARGETS.items():
        chosen = [r for r in results if r.field == field]
        assert sum(r.hit for r in chosen) / len(chosen) >= target, report(results)


@pytest.mark.skipif(not (DEVSET / "metadata.tsv").is_file(), reason="the devset (../shared/devset) is not beside the repo")
def test_cli_prints_per_field_accuracy():
    done = subprocess.run([*cli_command(), "describe-eval", str(DEVSET)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for field in FIELDS:
        assert field in done.stdout
    missing = subprocess.run([*cli_command(), "describe-eval", "/nonexistent"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
