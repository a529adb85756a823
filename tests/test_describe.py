"""Metadata comes from the report's own text; what a text does not state is 'unknown'."""
from __future__ import annotations

import pytest

from assistant.ingest.describe import UNKNOWN, Judgement, authorities_in, describe, find_authority, flag
from assistant.ingest.gazetteer import ALIASES, AUTHORITIES
from assistant.ingest.load import load_document


def _seed(corpus_dir, prefix: str):
    (path,) = sorted(corpus_dir.glob(f"{prefix}_*.txt"))
    document = load_document(path, 50 * 1024 * 1024)
    return describe(document.text)


# ---------------------------------------------------------------- the five seed reports


def test_000_windsor_and_maidenhead_joint_inspection(corpus_dir):
    d = _seed(corpus_dir, "000")
    assert d.authority == "Windsor and Maidenhead"
    assert d.inspection_type == "joint inspection"
    assert set(d.inspectorates) == {"Ofsted", "CQC", "HMICFRS"}
    assert "HMI Probation" not in d.inspectorates
    assert d.headline_judgement == "effective"
    assert [j.grade for j in d.judgements] == ["effective"]
    assert d.date == "2022-07-08"
    meta = d.as_metadata()
    assert meta["year"] == 2022 and meta["date_ord"] == 20220708
    assert meta["inspectorate_hmicfrs"] is True and meta["judgement_effective"] is True


def test_001_warrington_multi_agency_pilot(corpus_dir):
    d = _seed(corpus_dir, "001")
    assert d.authority == "Warrington"
    assert d.inspection_type == "multi-agency pilot inspection"
    assert set(d.inspectorates) == {"Ofsted", "CQC", "HMICFRS", "HMI Probation"}
    assert Judgement("good", None) in d.judgements
    assert Judgement("inadequate", 2009) in d.judgements
    assert {j.grade for j in d.judgements} == {"good", "inadequate"}
    # The 2009 'inadequate' is history; the report's own judgement is 'good'.
    assert d.headline_judgement == "good"
    assert d.date == UNKNOWN
    meta = d.as_metadata()
    assert meta["judgement"] == "good"
    assert "inadequate (2009)" in meta["judgements"]
    assert meta["year"] == 0 and meta["date"] == UNKNOWN


def test_002_wirral_not_essex(corpus_dir):
    d = _seed(corpus_dir, "002")
    assert d.authority == "Wirral"  # Essex appears only in the publisher's footer address
    (path,) = corpus_dir.glob("002_*.txt")
    assert "Essex" in authorities_in(path.read_text(encoding="utf-8"))  # it is there, and it is ignored
    assert d.inspection_type == "monitoring visit"
    assert d.inspectorates == ("Ofsted",)
    assert d.judgements == (Judgement("inadequate", 2016),)
    assert d.headline_judgement == "inadequate"
    assert d.date == UNKNOWN  # "September 2016" has no day: not a visit date


def test_003_unnamed_authority_focused_visit(corpus_dir):
    d = _seed(corpus_dir, "003")
    assert d.authority == UNKNOWN
    assert d.inspection_type == "focused visit"  # spelled "focussed" in the minutes
    assert d.date == "2018-07-25"
    assert d.judgements == ()
    assert d.headline_judgement == UNKNOWN
    assert d.as_metadata()["judgements"] == UNKNOWN


def test_004_warrington_focused_visit(corpus_dir):
    d = _seed(corpus_dir, "004")
    assert d.authority == "Warrington"
    assert d.inspection_type == "focused visit"
    assert d.headline_judgement == UNKNOWN
    # "consistently good" and "outstanding work" are not judgements.
    assert d.judgements == ()
    assert d.date == UNKNOWN


def test_seed_metadata_is_flat_scalars(corpus_dir):
    for path in sorted(corpus_dir.glob("*.txt")):
        meta = describe(load_document(path, 10**8).text).as_metadata()
        assert {"authority", "inspection_type", "inspectorates", "judgement", "judgements", "date"} <= set(meta)
        assert all(isinstance(v, (str, int, float, bool)) for v in meta.values()), path.name


# ---------------------------------------------------------------- gazetteer and synthetic texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ofsted visited the Royal Borough of Windsor and Maidenhead last month.", "Windsor and Maidenhead"),
        ("RBWM children's services were praised.", "Windsor and Maidenhead"),
        ("Inspectors in Maidenhead found strong practice.", "Windsor and Maidenhead"),
        ("Services in Hull were reviewed; Hull was found to be improving.", "Kingston upon Hull"),
        ("County Durham children's services.", "Durham"),
        ("A report on Stoke-on-Trent.", "Stoke-on-Trent"),
        ("Newcastle upon Tyne council responded.", "Newcastle upon Tyne"),
        ("Southend children's services improved.", "Southend-on-Sea"),
    ],
)
def test_authority_aliases_map_to_canonical_names(text, expected):
    assert find_authority(text) == expected


def test_longest_name_wins_over_embedded_shorter_names():
    # "Windsor" and "Maidenhead" are aliases themselves; the full name is one mention, not three.
    text = "The Royal Borough of Windsor and Maidenhead was inspected. Kent was mentioned once."
    assert authorities_in(text) == ["Windsor and Maidenhead", "Kent"]
    # Names inside longer words or hyphenated names do not count.
    assert authorities_in("Kentish towns and Stoke-on-Trent") == ["Stoke-on-Trent"]


def test_most_mentioned_authority_wins_and_ties_go_to_first():
    assert find_authority("Wirral. Warrington. Warrington.") == "Warrington"
    assert find_authority("Wirral and Warrington.") == "Wirral"


def test_footer_address_lines_do_not_count():
    text = "Leeds children's services were inspected.\nD1, Parkside, Nesfield Road, Colchester, Essex CO4 3ZL\n" \
           "Essex Essex Essex CO4 3ZL"
    assert find_authority(text) == "Leeds"


def test_people_and_verbs_named_like_authorities_are_not_authorities():
    assert find_authority("Cllr Jane Sutton chaired the meeting. Dr Kent spoke about referrals.") == UNKNOWN
    assert find_authority("Reading the report, members noted progress.") == UNKNOWN
    assert find_authority("Councillor Derby asked about Wirral.") == "Wirral"
    # The places themselves still count.
    assert find_authority("Reading children's services were inspected.") == "Reading"
    assert find_authority("Ofsted visited Sutton and Kent.") == "Sutton"


def test_gazetteer_aliases_point_at_known_authorities():
    assert len(set(AUTHORITIES)) == len(AUTHORITIES)
    assert set(ALIASES.values()) <= set(AUTHORITIES)
    assert "Wirral" in AUTHORITIES and "Warrington" in AUTHORITIES


def test_jtai():
    d = describe("A joint targeted area inspection (JTAI) of the response to children in Leeds took place.")
    assert d.inspection_type == "joint targeted area inspection"
    assert d.authority == "Leeds"
    assert describe("The JTAI letter was published.").inspection_type == "joint targeted area inspection"


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("Children's services in Bolton were judged requires improvement to be good.", "requires improvement"),
        ("Bolton was rated outstanding by Ofsted.", "outstanding"),
        ("Services were judged to be inadequate.", "inadequate"),
        ("Leadership was graded as good.", "good"),
        ("The overall judgement was that it was outstanding.", "outstanding"),
        ("It received an inadequate rating.", "inadequate"),
    ],
)
def test_judgement_phrasings(text, grade):
    d = describe(text)
    assert [j.grade for j in d.judgements] == [grade]
    assert d.headline_judgement == grade
    assert d.as_metadata()[flag("judgement", grade)] is True


def test_judgement_year_is_taken_from_the_same_sentence():
    d = describe("In 2014 services were judged inadequate. Services are now rated good.")
    assert Judgement("inadequate", 2014) in d.judgements
    assert Judgement("good", None) in d.judgements
    assert d.headline_judgement == "good"


def test_latest_dated_judgement_stands_when_none_is_undated():
    d = describe("Services were judged inadequate in 2012. Services were judged good in 2019.")
    assert d.headline_judgement == "good"


def test_ordinary_words_are_not_judgements():
    d = describe("Staff do good work. There is outstanding work to complete. Practice is effective at times.")
    assert d.judgements == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The inspection took place between 3 and 5 March 2020 in Leeds.", "2020-03-03"),
        ("The letter was published on 14th November 2019.", "2019-11-14"),
        (" date 2021-02-03 Ofsted said", "2021-02-03"),
        ("Inspection dates: 10 to 21 June 2019", "2019-06-10"),
        ("The visit took place on 31 February 2020.", UNKNOWN),  # impossible date is not guessed
    ],
)
def test_dates(text, expected):
    assert describe(text).date == expected


def test_text_without_authority_or_date_is_unknown_everywhere():
    d = describe("The council discussed the report. Members noted the update and thanked officers for their work.")
    assert d.authority == UNKNOWN
    assert d.date == UNKNOWN
    assert d.inspection_type == UNKNOWN
    assert d.inspectorates == ()
    assert d.headline_judgement == UNKNOWN
    meta = d.as_metadata()
    assert meta["authority"] == meta["date"] == meta["inspection_type"] == meta["inspectorates"] == UNKNOWN
    assert meta["year"] == 0


def test_year_without_day_and_month_is_not_a_date():
    assert describe("Services were judged inadequate in September 2016.").date == UNKNOWN
