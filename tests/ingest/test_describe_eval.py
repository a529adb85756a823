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


@pytest.mark.parametrize("table, message", [
    ("name\tauthority\n01_a.txt\tKent\n".encode(), "missing: file, inspection_type"),
    ("file\tauthority\n01_\u00e9.txt\tKent\n".encode("latin-1"), "is not UTF-8 text"),
])
def test_a_bad_metadata_table_is_one_line_naming_it(tmp_path, table, message):
    # A table without a "file" column or in another encoding ended in a KeyError or UnicodeDecodeError traceback.
    (tmp_path / "corpus").mkdir()
    (tmp_path / "metadata.tsv").write_bytes(table)
    done = subprocess.run([*cli_command(), "describe-eval", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith("error:") and message in done.stderr and "metadata.tsv" in done.stderr


def test_a_text_the_table_lists_but_cannot_be_read_is_skipped_and_named(tmp_path):
    # The run stopped at it with "cannot read file" naming no file.
    (tmp_path / "corpus").mkdir()
    header = "file\tauthority\tinspection_type\tinspectorates\tdate\toverall_judgement\n"
    (tmp_path / "corpus" / "01_kent.txt").write_text("Ofsted judged Kent County Council's children's services good "
                                                      "in its inspection of March 2019.\n")
    (tmp_path / "metadata.tsv").write_text(header + "02_gone.txt\tKent\t\t\t\t\n01_kent.txt\tKent\t\tOfsted\t2019-03\tgood\n")
    skipped: list[tuple[str, str]] = []
    results = evaluate(tmp_path, skipped)
    assert {r.file for r in results} == {"01_kent.txt"} and len(results) == len(FIELDS)
    assert [file for file, _ in skipped] == ["02_gone.txt"] and "cannot read file" in skipped[0][1]
