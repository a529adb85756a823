"""Readable answers: the answering span marked and escaped, report labels before their sentences, citation
previews, reports named by title/authority/type/date (never a file path) in the page, copy text and export."""
import html
import re

import pytest

from assistant.apps.web import export, render
from assistant.apps.web.handlers import LIBRARY_HEADERS, library_rows, open_citation
from assistant.apps.web.labels import answer_span, label_groups, paragraph_position, report_name

PATHS = re.compile(r"/work/|/tmp/|/home/|[0-9a-f]{16}\.txt")
WARRINGTON_2009 = "What judgement did Warrington receive in 2009?"

HOSTILE = 'Judged <b>"good" & safe</b>'  # the span's word sits between markup-looking characters
CITATION = {
    "n": 1, "chunk_id": "c1", "doc_id": "d1", "source": "/tmp/x/corpus/001_85a2b1ef848920a2.txt",
    "title": "Ofsted <visit> & letter", "start": 0, "end": len(HOSTILE), "text": HOSTILE, "quote": HOSTILE,
    "score": 0.9, "metadata": {"authority": "Wirral", "inspection_type": "monitoring visit", "date": "2023-05-02"},
}


def answer_of(sentences, citations=(CITATION,)):
    return {"question": "q", "answer": "a", "abstained": False, "sentences": sentences, "citations": list(citations)}


def test_the_answering_span_is_marked_and_the_text_around_it_escaped():
    start = HOSTILE.index("good")
    body = render.render_answer_body(0, answer_of([{"text": HOSTILE, "citations": [1],
                                                    "answer_span": [start, start + 4]}]))
    assert '<mark class="answer-span">good</mark>' in body
    assert 'Judged &lt;b&gt;&quot;<mark class="answer-span">good</mark>&quot; &amp; safe&lt;/b&gt;</span>' in body
    assert "<b>" not in body
    # The marker follows the whole sentence text (its punctuation included), after one space.
    assert re.search(r'safe&lt;/b&gt;</span> <button type="button" class="cite-marker"[^>]*>\[1\]</button></p>', body)


@pytest.mark.parametrize("span", [None, [5, 5], [3, 999], [-1, 4], ["a", "b"], [1]])
def test_a_missing_or_impossible_span_marks_nothing(span):
    sentence = {"text": "Services were good.", "citations": [1], "answer_span": span}
    assert answer_span(sentence) is None
    body = render.render_answer_body(0, answer_of([sentence]))
    assert "<mark" not in body and "Services were good.</span>" in body


def test_a_span_in_html_special_text_marks_exactly_the_escaped_characters():
    text = "Rated <inadequate> & failing."
    start = text.index("<")
    body = render.render_answer_body(0, answer_of([{"text": text, "citations": [1],
                                                    "answer_span": [start, start + len("<inadequate>")]}]))
    assert '<mark class="answer-span">&lt;inadequate&gt;</mark> &amp; failing.' in body


def test_labels_open_their_group_of_sentences_in_bold():
    sentences = [
        {"text": "Joint working was poor.", "citations": [1], "label": "Wirral (monitoring visit, 2023)"},
        {"text": "Leaders know it.", "citations": [1]},
        {"text": "Child protection was <good>.", "citations": [2], "label": "Warrington & co (inspection)"},
    ]
    second = dict(CITATION, n=2, metadata={"authority": "Warrington"})
    body = render.render_answer_body(3, answer_of(sentences, [CITATION, second]))
    paragraphs = re.findall(r"<p class=\"answer-text labelled\">(.*?)</p>", body)
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith('<strong class="answer-label">Wirral (monitoring visit, 2023):</strong> ')
    assert "Leaders know it." in paragraphs[0] and "Leaders know it." not in paragraphs[1]
    assert paragraphs[1].startswith('<strong class="answer-label">Warrington &amp; co (inspection):</strong> ')
    assert "&lt;good&gt;" in paragraphs[1]
    assert [label for label, _ in label_groups(sentences)] == ["Wirral (monitoring visit, 2023)",
                                                               "Warrington & co (inspection)"]
    assert [label for label, _ in label_groups([{"text": "x"}, {"text": "y", "label": "L"}])] == ["", "L"]


def test_a_marker_previews_its_report_and_quote_escaped():
    long_quote = "word " * 100
    citation = dict(CITATION, quote=long_quote.strip())
    body = render.render_answer_body(0, answer_of([{"text": "Poor.", "citations": [1]}], [citation]))
    title = html.unescape(re.search(r'<button[^>]*title="([^"]*)"', body).group(1))
    assert title.startswith("[1] “Ofsted <visit> & letter” (Wirral, monitoring visit, 2 May 2023): “word word")
    assert title.endswith("…”") and len(title) < render.PREVIEW_CHARS + 100
    assert 'title="[1] “Ofsted &lt;visit&gt; &amp; letter”' in body
    assert re.search(r'data-preview="\[1\] “Ofsted', body)
    assert "aria-label" not in body  # the accessible name is the visible [1]; the title describes it
    assert not PATHS.search(body)


def test_report_names_and_paragraph_positions_read_as_words():
    assert report_name("  OFSTED   VISIT ", {}) == "“OFSTED VISIT” (authority not stated, inspection type not stated, " \
                                                     "date not stated)"
    assert report_name("", {"authority": "unknown"}).startswith("“Untitled report” (authority not stated")
    text = "Title\n\nFirst paragraph.\n  \nSecond one\nstill second.\n\nThird."
    assert paragraph_position(text, 0) == "paragraph 1 of 4"
    assert paragraph_position(text, text.index("still")) == "paragraph 3 of 4"
    assert paragraph_position(text, text.index("Third")) == "paragraph 4 of 4"
    assert paragraph_position("One paragraph only.", 3) == ""


def test_copy_text_and_export_name_reports_and_keep_the_page_layout():
    sentences = [{"text": "Joint working was poor.", "citations": [1], "label": "Wirral (monitoring visit)"},
                 {"text": "Leaders know it.", "citations": [1]}]
    answer = answer_of(sentences)
    copied = export.plain_answer(answer)
    assert copied.startswith("Wirral (monitoring visit): Joint working was poor. [1] Leaders know it. [1]\n")
    assert "[1] “Ofsted <visit> & letter” (Wirral, monitoring visit, 2 May 2023): “Judged" in copied
    markdown = export.export_markdown([{"question": "q", "answer": answer, "filters": {}}])
    assert "**Wirral (monitoring visit):** Joint working was poor.[^1] Leaders know it.[^1]" in markdown
    assert re.search(r"^\[\^1\]: “Ofsted <visit> & letter” \(Wirral, monitoring visit, 2 May 2023\): “Judged", markdown,
                     re.M)
    for text in (copied, markdown, render.render_citations([{"question": "q", "answer": answer}])):
        assert not PATHS.search(text) and "characters" not in text


def test_library_cells_carry_their_column_name_and_no_path():
    rows = [["A <b>report</b>", "Wirral", "monitoring visit", "Ofsted", "not stated", "2023", 4,
             "/tmp/corpus/002_eb698fe6b1a51e1f.txt"]]
    table = render.render_library(LIBRARY_HEADERS, rows)
    cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', table)
    assert [label for label, _ in cells] == [h for h in LIBRARY_HEADERS if h != "Source"]
    assert cells[0][1] == "A &lt;b&gt;report&lt;/b&gt;" and not PATHS.search(table)
    assert "No reports are indexed" in render.render_library(LIBRARY_HEADERS, [])


@pytest.fixture(scope="module")
def warrington(ingested):
    from assistant.apps.web.handlers import answer_question

    conversation = answer_question(ingested, WARRINGTON_2009, [], {})
    assert conversation[0]["answer"]["citations"], conversation
    return conversation


def test_the_real_answer_marks_inadequate_and_shows_no_path(ingested, warrington):
    answer = warrington[0]["answer"]
    assert all(PATHS.search(c["source"]) for c in answer["citations"])  # the JSON keeps the file (hash-named)
    body = render.render_answer_body(0, answer)
    assert re.search(r'<mark class="answer-span">inadequate</mark>', body)
    viewer = open_citation(ingested, warrington, 0, 1)
    assert re.search(r"Cited passage highlighted: paragraph \d+ of \d+ of the report\.", viewer)
    shown = [render.render_chat(warrington), render.render_citations(warrington), viewer,
             render.render_library(LIBRARY_HEADERS, library_rows(ingested))]
    for page in shown:
        assert not PATHS.search(page) and "characters" not in page
    assert "Child protection good – but could be better" in shown[1] and "Warrington" in shown[1]


def test_a_comparisons_uncovered_side_follows_the_cited_sentences_in_page_copy_and_export():
    line = "Nothing was found on <strategy> meetings in Warrington's reports."
    answer = {**answer_of([{"text": HOSTILE, "citations": [1]}]), "uncovered": [line]}
    body = render.render_answer_body(0, answer)
    shown = f'<p class="answer-text uncovered">{html.escape(line)}</p>'
    assert shown in body and body.index("cite-marker") < body.index(shown), "escaped, after the cited sentence"
    copied = export.plain_answer(answer)
    assert copied.index(HOSTILE) < copied.index(line) < copied.index("Sources:")
    assert line in export.export_markdown([{"question": "q", "answer": answer}])


@pytest.mark.parametrize("filtered", [False, True])
def test_an_abstentions_hint_mentions_filters_only_when_some_are_on(filtered):
    abstention = {"question": "q", "answer": "The indexed reports do not answer this question.", "abstained": True,
                  "sentences": [], "citations": []}
    body = render.render_answer_body(0, abstention, filtered=filtered)
    assert "No answer in the reports." in body
    assert ("clearing the filters" in body) is filtered
