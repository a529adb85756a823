"""Metadata comes from the report's own text; what a text does not state is 'unknown'."""
from __future__ import annotations

import pytest

from assistant.ingest.describe import UNKNOWN, Judgement, authorities_in, describe, find_authority, flag
from assistant.ingest.gazetteer import ALIASES, AUTHORITIES, NAMES, authorities
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
    # A monitoring visit is ungraded: the 2016 'inadequate' is the earlier inspection's, kept as history.
    assert d.headline_judgement == "none"
    assert d.previous == (Judgement("inadequate", 2016),)
    assert d.as_metadata()["previous_judgements"] == "inadequate (2016)"
    assert d.date == UNKNOWN  # "judged inadequate in September 2016" is the earlier inspection, not this visit


def test_003_unnamed_authority_focused_visit(corpus_dir):
    d = _seed(corpus_dir, "003")
    assert d.authority == UNKNOWN
    assert d.inspection_type == "focused visit"  # spelled "focussed" in the minutes
    assert d.date == "2018-07-25"
    assert d.judgements == ()
    assert d.headline_judgement == "none"  # focused visits are ungraded
    assert d.as_metadata()["judgements"] == UNKNOWN
    assert (d.visit_start, d.visit_end) == ("2018-07-25", "2018-07-26")


def test_004_warrington_focused_visit(corpus_dir):
    d = _seed(corpus_dir, "004")
    assert d.authority == "Warrington"
    assert d.inspection_type == "focused visit"
    assert d.headline_judgement == "none"
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
        ("What did Ofsted say about Barking?", "Barking and Dagenham"),
        ("Northants children's services were taken over by a trust.", "Northamptonshire"),
        ("North Lincs was inspected after Lincs.", "North Lincolnshire"),
    ],
)
def test_authority_aliases_map_to_canonical_names(text, expected):
    assert find_authority(text) == expected


def test_short_forms_that_are_words_count_only_capitalised():
    assert authorities_in("The dog kept barking; the council bucks the trend.") == []
    assert authorities_in("Barking and Bucks were both inspected.") == ["Barking and Dagenham", "Buckinghamshire"]


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
    assert len(set(NAMES)) == len(NAMES) > 380
    assert set(ALIASES.values()) <= set(NAMES)
    assert set(AUTHORITIES) <= set(NAMES) and "Wirral" in AUTHORITIES and "Warrington" in AUTHORITIES
    nations = {a.nation for a in authorities()}
    assert nations == {"England", "Wales", "Scotland", "Northern Ireland"}
    # Every related name (a district's county, a joint area's councils, successors) is itself a row.
    assert {r for a in authorities() for r in a.related} <= set(NAMES)


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
        ("The service was graded as good.", "good"),
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


# ---------------------------------------------------------------- authorities as data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ofsted inspected North Lincolnshire Council last year.", "North Lincolnshire"),
        ("BRADFORD Council's children's services were inspected.", "Bradford"),
        ("Hereford's Children's Services were praised.", "Herefordshire"),
        ("THE BOROUGH OF POOLE was inspected.", "Poole"),
        ("Powys County Council's children's services improved.", "Powys"),
        ("The Highland partnership was inspected.", "Highland"),
        ("Belfast City Council noted the report.", "Belfast"),
        ("The Stoke on Trent report was published.", "Stoke-on-Trent"),
    ],
)
def test_uk_authorities_in_any_capitalisation(text, expected):
    assert find_authority(text) == expected


def test_shared_board_names_its_councils_and_a_named_council_leads():
    text = ("The City of London Corporation's children's services were inspected. The City and Hackney "
            "Safeguarding Children Board was praised. The City of London was commended.")
    d = describe(text)
    assert d.authority == "City of London"
    assert set(d.authorities) >= {"City of London", "Hackney"}
    assert authorities_in("The City and Hackney board met.") == ["City and Hackney", "City of London", "Hackney"]


def test_police_and_newspapers_named_after_places_are_not_councils():
    assert find_authority("York's service works with North Yorkshire Police. The York Press reported it.") == "York"


def test_capitalised_phrases_are_not_word_like_places():
    assert find_authority("Register Now to Continue Reading") == UNKNOWN


def test_a_district_stands_for_its_county():
    d = describe("Children in Ipswich were found to be well supported.")
    assert d.authority == "Suffolk"


def test_file_name_then_source_url_when_the_text_names_no_authority():
    text = "source: https://example.org/news/north-somerset-visit\n\nThe authority was visited."
    assert describe(text).authority == "North Somerset"
    assert describe("The authority was visited.", source="corpus/07_barking-dagenham-minutes.txt").authority == (
        "Barking and Dagenham")
    assert describe("source: https://www.wolverhampton.gov.uk/news/item\n\nThe team was inspected.").authority == (
        "Wolverhampton")


def test_several_authorities_are_all_kept():
    text = ("Inspectors visited Wokingham on 20 February 2024. Inspectors visited Knowsley on 31 January 2024. "
            "Wokingham Borough Council responded.")
    d = describe(text)
    assert d.authority == "Wokingham"
    assert d.authorities == ("Wokingham", "Knowsley")
    assert d.as_metadata()["authority_knowsley"] is True


# ---------------------------------------------------------------- inspection types, dates, judgements


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The re-inspection of children's services by Ofsted found progress.", "re-inspection"),
        ("The Care Quality Commission review of health services for looked after children was published.",
         "CQC review of health services for looked-after children and safeguarding"),
        ("HM Inspectorate of Probation inspected the youth offending service.", "youth justice inspection"),
        ("Ofsted and the CQC carried out a local area SEND inspection.", "SEND area inspection"),
        ("Care Inspectorate Wales inspected children's services in Conwy.", "Care Inspectorate Wales inspection"),
        ("The Care Inspectorate led a joint inspection of services for children at risk of harm in Fife.",
         "Scottish joint inspection"),
        ("Ofsted inspected children's services in Leeds in March 2023 and rated them good.", "ILACS inspection"),
        ("Ofsted inspected children's services in Leeds in March 2015 and rated them good.", "single inspection framework"),
    ],
)
def test_inspection_types(text, expected):
    assert describe(text).inspection_type == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Inspection dates: 9 October to 2 November 2017", "2017-10-09", "2017-11-02"),
        ("The inspection took place on March 29-30 2023.", "2023-03-29", "2023-03-30"),
        ("Inspectors visited on 22-24th June 2015.", "2015-06-22", "2015-06-24"),
        ("The focused visit took place on 7 and 8 December.", "--12-07", "--12-08"),
        ("In October 2018, the inspectorate undertook an inspection.", "2018-10", UNKNOWN),
    ],
)
def test_visit_ranges(text, start, end):
    d = describe(text)
    assert (d.visit_start, d.visit_end) == (start, end)


def test_publication_meeting_and_visit_dates_are_told_apart():
    text = ("Meeting: 17/05/2023 - Cabinet\n\nThe report was published on 5 August 2016. The review took place "
            "between 8th and 12th February 2016, after the previous inspection in March 2012.")
    d = describe(text)
    assert (d.meeting_date, d.published, d.visit_start, d.visit_end) == ("2023-05-17", "2016-08-05", "2016-02-08", "2016-02-12")
    assert d.date == "2016-02-08"


def test_a_visit_month_is_placed_by_the_publication_date():
    d = describe("Tuesday 5 July 2022\n\nThis follows an inspection in May by Ofsted.")
    assert (d.published, d.visit_start) == ("2022-07-05", "2022-05")
    assert describe("This follows an inspection in May by Ofsted.").visit_start == "--05"  # no year is guessed


def test_overall_grade_is_told_from_domains_history_and_the_scale():
    text = ("Ofsted uses four judgements: 'Inadequate', 'Requires improvement', 'Good' and 'Outstanding'. "
            "Children's services were rated inadequate in 2015. "
            "The experiences and progress of children who need help and protection were judged to be good. "
            "The overall rating was 'Outstanding'. The council aims to remain 'Outstanding' at the next inspection.")
    d = describe(text)
    assert d.overall == "outstanding"
    assert ("help and protection", "good") in d.domains
    assert Judgement("inadequate", 2015) in d.previous
    assert d.as_metadata()["domain_judgements"] == "help and protection: good"


def test_requires_improvement_to_be_good_and_scottish_grades():
    assert describe("Services were found to 'require improvement to be good'.").overall == "requires improvement"
    scottish = describe("The Care Inspectorate's joint inspection graded the services in Fife as 'very good'.")
    assert scottish.overall == "very good"
    assert describe("The council achieved an excellent result.").overall == UNKNOWN  # not a Scottish inspection


def test_another_councils_grade_is_not_this_ones():
    text = "Leeds children's services were inspected. Leeds was judged good, while Bradford was rated inadequate."
    d = describe(text)
    assert d.authority == "Leeds" and d.overall == "good"
    assert "inadequate" not in {j.grade for j in d.judgements}


def test_graded_lines_and_whole_service_wordings():
    text = ("Date of inspection: 5 to 9 June 2023\nOverall effectiveness: Good\n"
            "The experiences and progress of care leavers: Outstanding\n"
            "The impact of leaders on social work practice with children and families: Requires improvement to be good")
    d = describe(text)
    assert d.overall == "good"
    assert d.domains == (("care leavers", "outstanding"), ("leadership", "requires improvement"))
    assert describe("Ofsted rated Bolton good in all areas.").overall == "good"
    assert describe("Bolton was rated outstanding in two of the four areas and good overall.").overall == "good"
    assert describe("Bolton was not rated inadequate.").overall == UNKNOWN


def test_places_inside_other_names_and_narrow_kinds_first():
    assert find_authority("Greater Manchester Police and the University of York worked with Bolton Council.") == "Bolton"
    send = describe("Ofsted and the CQC carried out a joint inspection of the local area of Bromley to judge the "
                    "effectiveness of the area in implementing the special educational needs reforms.")
    assert send.inspection_type == "SEND area inspection" and send.overall == "none"
    ilacs = describe("Inspection of Bolton local authority children's services\nOverall effectiveness Good")
    assert (ilacs.inspection_type, ilacs.overall) == ("ILACS inspection", "good")
