"""Briefing notes over the real corpus, model and Chroma: structure, ordering, verified footnotes, DOCX, CLI."""
from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.apps.brief.build import brief_docx_bytes, brief_markdown, build_brief, build_comparison, check_brief
from assistant.apps.brief.docx import render_docx
from assistant.apps.brief.markdown import render_markdown
from assistant.apps.brief.model import ACTIONS, IMPROVEMENTS, STRENGTHS, Brief, Section
from assistant.answer.cite import SUPPORT_THRESHOLD, support
from assistant.text import squash
from tests.conftest import cli_command, cli_env

WARRINGTON_PILOT = "001_85a2b1ef848920a2.txt"
WARRINGTON_FOCUSED = "004_0054459c75a45910.txt"
WIRRAL = "002_eb698fe6b1a51e1f.txt"
WINDSOR = "000_1cb22dd1c2dce2b1.txt"
MASH = "003_c058eaba94c55f19.txt"
SECTION_HEADINGS = [
    "Scope", "Headline judgements", "Inspection history (latest first)", STRENGTHS, IMPROVEMENTS, ACTIONS,
    "Open questions", "Sources",
]


@pytest.fixture(scope="module")
def briefs(ingested) -> dict[str, Brief]:
    topics = ["Warrington", "Wirral", "Windsor and Maidenhead", "multi-agency safeguarding hub", "Rutland"]
    return {topic: build_brief(ingested, topic) for topic in topics}


def section(brief_or_section, heading: str) -> Section:
    sections = brief_or_section.sections if isinstance(brief_or_section, Brief) else brief_or_section.subsections
    return next(s for s in sections if s.heading == heading)


def points_of(sec: Section) -> list:
    found = list(sec.points)
    for sub in sec.subsections:
        found += points_of(sub)
    return found


def files(refs) -> list[str]:
    return [r.source.rsplit("/", 1)[-1] for r in refs]


def assert_verified(helper, brief: Brief) -> None:
    """Every footnote is a verbatim slice of its document; every point is supported by each passage it cites."""
    assert check_brief(helper, brief) == []
    for note in brief.footnotes:
        text = helper.document(note.doc_id).text
        assert note.text == text[note.start : note.end]
        assert note.quote == text[note.quote_start : note.quote_end]
        assert note.start <= note.quote_start < note.quote_end <= note.end
        meta = helper.documents()[note.doc_id]
        assert (note.source, note.authority, note.date) == (meta["source"], meta["authority"], meta["date"])
    assert [n.n for n in brief.footnotes] == list(range(1, len(brief.footnotes) + 1))
    used = {n for p in brief.points() for n in p.footnotes}
    for sec in brief.sections:
        for row in sec.table:
            for cell in row:
                used |= set(cell.footnotes)
    assert used == set(range(1, len(brief.footnotes) + 1)), "every footnote is used and every use has a footnote"
    for point in brief.points():
        assert point.footnotes, point
        for n in point.footnotes:
            assert support(point.text, brief.footnote(n).text) >= SUPPORT_THRESHOLD


# ------------------------------------------------------------------------------------------- content


def test_warrington_brief_has_both_reports_latest_first_and_the_superseded_2009_judgement(ingested, briefs):
    brief = briefs["Warrington"]
    assert brief.kind == "authority" and not brief.empty and brief.mode == "extractive"
    assert [s.heading for s in brief.sections] == SECTION_HEADINGS
    assert sorted(files(brief.matched)) == [WARRINGTON_PILOT, WARRINGTON_FOCUSED]
    assert len(brief.searched) == 5

    # Neither report states a date. The rule: dated reports first (newest first), then undated ones by the
    # latest year their text mentions (001 recalls 2009; 004 mentions no year), then by file name.
    history = section(brief, "Inspection history (latest first)")
    assert [h.heading for h in history.subsections] == [
        "Date not stated: multi-agency pilot inspection, Warrington",
        "Date not stated: focused visit, Warrington",
    ]
    assert "latest year the report mentions is 2009" in history.subsections[0].intro
    assert "mentions no year" in history.subsections[1].intro
    assert "ordered by the latest year their text mentions" in history.intro

    pilot = history.subsections[0]
    leads = [p.lead for p in pilot.points]
    assert "Judgement: good" in leads
    superseded = next(p for p in pilot.points if p.lead.startswith("Earlier judgement"))
    assert superseded.lead == "Earlier judgement: inadequate (2009), superseded by this report's judgement of good"
    assert "2009" in superseded.text and "inadequate" in superseded.text

    headline = section(brief, "Headline judgements")
    assert [p.lead for p in headline.points] == ["Warrington: good (multi-agency pilot inspection, date not stated)"]

    markdown = render_markdown(brief)
    assert "superseded by this report's judgement of good" in markdown
    assert markdown.index("multi-agency pilot inspection, Warrington") < markdown.index("focused visit, Warrington")
    assert "Date not stated" in markdown
    assert points_of(section(brief, STRENGTHS)) and points_of(section(brief, IMPROVEMENTS))
    actions = " ".join(p.text for p in points_of(section(brief, ACTIONS)))
    assert "will be working" in actions and "further work is required" in actions
    questions = " ".join(section(brief, "Open questions").notes)
    assert "does not state its date" in questions and "states no overall judgement" in questions
    assert_verified(ingested, brief)


def test_history_puts_dated_reports_before_undated_ones(ingested):
    brief = build_brief(ingested, "Warrington and Windsor and Maidenhead")
    history = section(brief, "Inspection history (latest first)")
    assert [h.heading for h in history.subsections] == [
        "8 July 2022: joint inspection, Windsor and Maidenhead",
        "Date not stated: multi-agency pilot inspection, Warrington",
        "Date not stated: focused visit, Warrington",
    ]
    assert [p.lead.split(":")[0] for p in section(brief, "Headline judgements").points] == [
        "Warrington", "Windsor and Maidenhead",
    ]
    assert_verified(ingested, brief)


def test_wirral_brief_keeps_the_2016_judgement_and_says_nothing_later_is_stated(ingested, briefs):
    brief = briefs["Wirral"]
    assert files(brief.matched) == [WIRRAL]
    headline = section(brief, "Headline judgements").points
    assert len(headline) == 1 and headline[0].lead.startswith("Wirral: inadequate (2016")
    assert "September 2016" in headline[0].text
    improvements = " ".join(p.text for p in points_of(section(brief, IMPROVEMENTS)))
    assert "poor" in improvements and "delays" in improvements
    questions = " ".join(section(brief, "Open questions").notes)
    assert "inadequate (2016)" in questions and "not stated" in questions
    assert_verified(ingested, brief)


def test_windsor_and_maidenhead_brief_is_dated_and_judged_effective(ingested, briefs):
    brief = briefs["Windsor and Maidenhead"]
    assert files(brief.matched) == [WINDSOR]
    headline = section(brief, "Headline judgements").points
    assert headline[0].lead == "Windsor and Maidenhead: effective (joint inspection, 8 July 2022)"
    history = section(brief, "Inspection history (latest first)").subsections
    assert history[0].heading == "8 July 2022: joint inspection, Windsor and Maidenhead"
    assert history[0].points[0].lead == "Date: 8 July 2022" and "2022-07-08" in history[0].points[0].text
    strengths = " ".join(p.text for p in points_of(section(brief, STRENGTHS)))
    improvements = " ".join(p.text for p in points_of(section(brief, IMPROVEMENTS)))
    assert "works well" in strengths
    assert "wait too long" in improvements and "insufficient" in improvements
    assert "wait too long" not in strengths
    assert_verified(ingested, brief)


def test_thematic_brief_finds_the_mash_report(ingested, briefs):
    brief = briefs["multi-agency safeguarding hub"]
    assert brief.kind == "theme" and not brief.empty
    assert MASH in files(brief.matched)
    assert len(brief.searched) == 5
    cited = {n.source.rsplit("/", 1)[-1] for n in brief.footnotes}
    assert cited <= set(files(brief.matched))
    strengths = [p.text for p in points_of(section(brief, STRENGTHS))]
    assert any("MASH" in text for text in strengths)
    improvements = " ".join(p.text for p in points_of(section(brief, IMPROVEMENTS)))
    assert "unable to participate" in improvements
    headline = section(brief, "Headline judgements")
    assert not headline.points and "no judgement stated" in " ".join(headline.notes)
    questions = " ".join(section(brief, "Open questions").notes)
    assert "does not name the local authority" in questions
    assert "25 July 2018" in render_markdown(brief)
    assert_verified(ingested, brief)


def test_a_topic_no_report_covers_gives_a_short_note_listing_what_was_searched(ingested, briefs):
    brief = briefs["Rutland"]
    assert brief.empty and brief.footnotes == () and brief.matched == ()
    markdown = render_markdown(brief)
    assert "No indexed report matches \u201cRutland\u201d" in markdown
    assert "No indexed report is about Rutland." in markdown
    titles = {Path(str(meta["source"])).name: squash(str(meta["title"])) for meta in ingested.documents().values()}
    for source in (WARRINGTON_PILOT, WARRINGTON_FOCUSED, WIRRAL, WINDSOR, MASH):
        assert f"\u201c{titles[source]}\u201d" in markdown and source not in markdown, "reports named by title"
    assert len(markdown.splitlines()) < 20


def test_a_theme_on_a_remit_no_report_mentions_matches_nothing(ingested):
    # The ranker always scores something highest; a remit (fostering) no retrieved passage names is not covered.
    brief = build_brief(ingested, "private fostering arrangements")
    assert brief.kind == "theme" and brief.empty and brief.matched == () and brief.footnotes == ()


@pytest.mark.parametrize("topic", ["Atlantis", "qwertyuiop", "zebra crossings on the moon"])
def test_a_theme_sharing_no_word_with_the_reports_matches_nothing(ingested, topic):
    # Retrieval always returns passages and the ranker always scores one highest: without the evidence rule `ask`
    # abstains by, these notes quoted committee minutes as findings on Atlantis.
    brief = build_brief(ingested, topic)
    assert brief.kind == "theme" and brief.empty and brief.footnotes == ()
    # A theme the reports do use still matches, in the topic's words or through an acronym's long form.
    for on_topic in ("strategy meetings", "MASH"):
        assert build_brief(ingested, on_topic).footnotes


def test_comparison_puts_authorities_side_by_side(ingested):
    brief = build_comparison(ingested, ["Warrington", "Wirral"])
    assert brief.kind == "comparison" and brief.title == "Briefing note: Warrington compared with Wirral"
    assert [s.heading for s in brief.sections] == ["Scope", "At a glance", "Warrington", "Wirral", "Sources"]
    table = section(brief, "At a glance").table
    assert [c.text for c in table[0]] == ["", "Warrington", "Wirral"]
    judgements = next(row for row in table if row[0].text == "Headline judgement")
    assert judgements[1].text == "good (date not stated)" and judgements[1].footnotes
    assert judgements[2].text == "inadequate (2016)" and judgements[2].footnotes
    for name in ("Warrington", "Wirral"):
        assert [s.heading for s in section(brief, name).subsections][:3] == [
            "Headline judgements", "Inspection history (latest first)", STRENGTHS,
        ]
    markdown = render_markdown(brief)
    assert "| Headline judgement | good (date not stated)[^" in markdown
    assert_verified(ingested, brief)
    with pytest.raises(Exception):
        build_comparison(ingested, ["Warrington"])


def test_same_index_same_brief(ingested, briefs):
    for topic in ("Warrington", "multi-agency safeguarding hub"):
        assert brief_markdown(ingested, topic) == render_markdown(briefs[topic])
    first, second = build_comparison(ingested, ["Wirral", "Warrington"]), build_comparison(ingested, ["Wirral", "Warrington"])
    assert render_markdown(first) == render_markdown(second)


def test_markdown_footnotes_give_report_authority_date_and_quote_and_no_file(briefs):
    brief = briefs["Warrington"]
    markdown = render_markdown(brief)
    references = set(int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", markdown))
    definitions = re.findall(r"^\[\^(\d+)\]: (.*)$", markdown, re.M)
    assert references == {int(n) for n, _ in definitions} == set(range(1, len(brief.footnotes) + 1))
    for (number, text), note in zip(definitions, brief.footnotes):
        assert int(number) == note.n
        assert note.title.split()[0] in text and "Warrington" in text and "date not stated" in text
        assert Path(note.source).name not in text and "characters" not in text, "readers see no file or offsets"
        assert " ".join(note.quote.split())[:40] in text.replace("\\", "")
    assert not re.search(r"/work/|/tmp/|/home/|[0-9a-f]{16}\.txt", markdown), "no file path anywhere in the note"


# ------------------------------------------------------------------------------------------- DOCX


def read_docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def test_docx_has_headings_and_a_sources_table(ingested, briefs):
    # The numbered Notes list became real Word footnotes (issue 15): tests/apps/test_brief_docx.py checks those.
    brief = briefs["Warrington"]
    document = read_docx(render_docx(brief))
    paragraphs = document.paragraphs
    headings = [(p.style.name, p.text) for p in paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Briefing note: Warrington")
    level1 = [text for style, text in headings if style == "Heading 1"]
    assert level1 == SECTION_HEADINGS
    assert ("Heading 2", "Date not stated: multi-agency pilot inspection, Warrington") in headings
    sources = document.tables[-1]
    # Readers see reports by title: the table names no server file.
    assert [c.text for c in sources.rows[0].cells] == ["Title", "Authority", "Inspection type", "Date"]
    titles = {Path(str(meta["source"])).name: str(meta["title"]) for meta in ingested.documents().values()}
    assert sorted(row.cells[0].text for row in sources.rows[1:]) == sorted(
        titles[name] for name in (WARRINGTON_PILOT, WARRINGTON_FOCUSED))
    assert not any(".txt" in cell.text for row in sources.rows for cell in row.cells)
    assert document.core_properties.title == "Briefing note: Warrington"


def test_docx_comparison_has_a_table_and_parallel_sections(ingested):
    document = read_docx(brief_docx_bytes(ingested, ["Warrington", "Wirral"]))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["", "Warrington", "Wirral"]
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Warrington") in headings and ("Heading 1", "Wirral") in headings
    assert ("Heading 2", "Headline judgements") in headings


def test_docx_of_an_empty_topic_has_no_notes(ingested, briefs):
    document = read_docx(render_docx(briefs["Rutland"]))
    texts = [p.text for p in document.paragraphs]
    assert "Sources" not in texts and any("No indexed report matches" in t for t in texts)


# ------------------------------------------------------------------------------------------- generator


class _FakeReply:
    def __init__(self, content: str) -> None:
        self.content = content


class _RephrasingModel:
    """Drops the first word of passage 1's first sentence (still supported) and adds an invented claim."""

    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, messages):
        self.calls += 1
        human = messages[-1][1]
        passage = re.search(r'<passage id="1"[^>]*>\n(.*?)\n</passage>', human, re.S).group(1)
        first = re.split(r"(?<=[.!?])\s", " ".join(passage.split()))[0].rstrip(".")
        rephrased = " ".join(first.split()[1:])
        return _FakeReply(f"{rephrased} [1]. Unicorns audit the dragons every Tuesday [1].")


def test_a_chat_model_may_rephrase_but_only_supported_points_survive(ingested, monkeypatch):
    from assistant.answer.llm import LLMGenerator

    model = _RephrasingModel()
    monkeypatch.setattr(ingested, "chat_model", model)
    monkeypatch.setattr(ingested, "generator", LLMGenerator(model, ingested.extractive))
    brief = build_brief(ingested, "Wirral")
    assert model.calls > 0 and brief.mode == "llm"
    rephrased = [p for p in brief.points() if p.kind == "llm"]
    assert rephrased
    assert "Unicorns" not in render_markdown(brief)
    assert_verified(ingested, brief)


def test_check_brief_catches_a_tampered_footnote(ingested, briefs):
    brief = briefs["Wirral"]
    note = brief.footnotes[0]
    tampered = replace(brief, footnotes=(replace(note, text=note.text + " (and more)"),) + brief.footnotes[1:])
    assert any("passage text differs" in problem for problem in check_brief(ingested, tampered))


# ------------------------------------------------------------------------------------------- CLI


def run_cli(ingested, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        cli_command() + ["brief", *args], capture_output=True, text=True, timeout=timeout,
        env=cli_env(ingested.settings),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["Warrington", "--format", "pdf"],  # unknown format: argparse usage error
        ["Warrington", "--format", "docx"],  # docx needs --out
        [],  # neither a topic nor --compare
        ["--compare", "Warrington"],  # a comparison needs two topics
        ["Warrington", "--compare", "Wirral", "Windsor"],  # not both
    ],
)
def test_cli_usage_errors_exit_2(ingested, args):
    result = run_cli(ingested, *args, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "error" in result.stderr and "Traceback" not in result.stderr


def test_cli_writes_markdown_docx_and_an_empty_note(ingested, tmp_path):
    result = run_cli(ingested, "Warrington")
    assert result.returncode == 0, result.stderr
    assert result.stdout == brief_markdown(ingested, "Warrington")  # same index, same note, across processes

    out = tmp_path / "warrington.docx"
    result = run_cli(ingested, "Warrington", "--format", "docx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert read_docx(out.read_bytes()).paragraphs[0].text == "Briefing note: Warrington"

    result = run_cli(ingested, "Rutland")
    assert result.returncode == 0 and "No indexed report matches" in result.stdout


def test_cli_compare_to_a_markdown_file(ingested, tmp_path):
    out = tmp_path / "compare.md"
    result = run_cli(ingested, "--compare", "Warrington", "Wirral", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Briefing note: Warrington compared with Wirral")
    assert "## At a glance" in text and "## Warrington" in text and "## Wirral" in text


def test_only_text_a_stored_chunk_holds_is_classified_for_the_sections(ingested, monkeypatch):
    from assistant.apps.brief.gather import Library
    from assistant.text.findings import candidate_spans

    asked: list[tuple[object, list[tuple[int, int]]]] = []
    classify = Library.findings_of

    def spy(self, report, spans):
        asked.append((report, list(spans)))
        return classify(self, report, spans)

    monkeypatch.setattr(Library, "findings_of", spy)
    build_brief(ingested, "Warrington")
    reports = {report.document.source.rsplit("/", 1)[-1]: report for report, _ in asked}
    pilot = reports[WARRINGTON_PILOT]
    # The pilot report's page ends in an author's biography that ingest left out: quotable sentences, no chunk.
    assert any(pilot.chunk_for(start, end) is None for start, end in candidate_spans(pilot.document.text))
    for report, spans in asked:
        assert spans and all(report.chunk_for(start, end) is not None for start, end in spans)


@pytest.mark.parametrize("topic", ["Wirral council", "Wirral overview", "Wirral inspection"])
def test_an_authority_named_with_words_for_its_reports_as_a_whole_gives_the_note_on_its_reports(ingested, topic):
    # "council" or "overview" beside the name matched no passage as a theme: "No indexed report matches".
    brief = build_brief(ingested, topic)
    assert brief.kind == "authority" and not brief.empty
    assert brief.footnotes == build_brief(ingested, "Wirral").footnotes


def test_an_authority_named_beside_a_word_no_passage_is_on_gives_the_note_on_its_reports_and_says_so(ingested):
    brief = build_brief(ingested, "Wirral Atlantis")
    assert brief.kind == "authority" and not brief.empty and brief.footnotes
    assert {n.authority for n in brief.footnotes} == {"Wirral"}
    said = " ".join(note for s in brief.sections for note in s.notes)
    assert "on \u201cWirral Atlantis\u201d beyond the name" in said
    assert check_brief(ingested, brief) == []
    # A topic the Wirral reports are on stays a theme.
    assert build_brief(ingested, "Wirral strategy meetings").kind == "theme"


@pytest.mark.parametrize("topic", ["?!", "...", "\u2014"])
def test_a_topic_without_words_is_refused(ingested, topic):
    from assistant.core.errors import InputError

    with pytest.raises(InputError, match="the topic has no words"):
        build_brief(ingested, topic)
