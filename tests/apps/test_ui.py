"""The Gradio app's handler functions, on the real corpus and the real model (no browser)."""
import html
import json
import re
from pathlib import Path

import pytest

from assistant.apps.web import app, export, handlers, launch, render, state
from assistant.core.errors import InputError
from tests.conftest import CORPUS, build_settings

MASH_REPORT = "corpus/003_c058eaba94c55f19.txt"


@pytest.fixture(scope="module")
def mash(ingested):
    """One answered turn about the MASH, shared by the read-only tests below."""
    conversation = handlers.answer_question(ingested, "What did inspectors say about the MASH?", [], {})
    assert len(conversation) == 1 and "error" not in conversation[0], conversation
    return conversation


@pytest.fixture
def scratch(tmp_path, shared_embedder):
    """An Assistant over its own tmp index (for tests that upload, delete or plant hostile text)."""
    from assistant.pipeline import Assistant

    return Assistant(build_settings(tmp_path), embedder=shared_embedder)


def test_answer_renders_markers_and_citation_panel_from_the_mash_report(mash):
    answer = mash[0]["answer"]
    assert not answer["abstained"]
    assert answer["citations"], answer
    chat = render.render_chat(mash)
    assert re.search(r'<button[^>]*class="cite-marker"[^>]*data-turn="0" data-cite="1"[^>]*>\[1\]</button>', chat)
    panel = render.render_citations(mash)
    assert "OFSTED VISIT UPDATE" in panel and MASH_REPORT.rsplit("/", 1)[-1] not in panel  # named, not a file
    first = answer["citations"][0]
    assert first["source"].endswith(MASH_REPORT)
    # The passage is shown with its quote in <mark>, both escaped.
    assert f'<mark class="quote">{html.escape(first["quote"])}</mark>' in panel
    assert "multi-agency safeguarding hub" in panel
    assert "focused visit" in panel and "25 July 2018" in panel  # inspection type and date from the metadata


def test_citation_opens_the_full_report_at_the_quote(ingested, mash):
    citation = mash[0]["answer"]["citations"][0]
    viewer = handlers.open_citation(ingested, mash, 0, citation["n"])
    document = ingested.document(citation["doc_id"])
    assert document.text[citation["start"]:citation["end"]] == citation["text"]
    assert '<mark class="quote" id="source-mark">' in viewer
    # Everything before the passage is the document's own text, escaped, in order.
    before = viewer.split('<div class="source-text" tabindex="0">', 1)[1].split('<span class="passage">', 1)[0]
    assert before == html.escape(document.text[: citation["start"]])
    marked = viewer.split('id="source-mark">', 1)[1].split("</mark>", 1)[0]
    assert html.unescape(marked) == citation["quote"]
    assert "not part of this conversation" in handlers.open_citation(ingested, mash, 0, 99)
    assert "not part of this conversation" in handlers.open_citation(ingested, mash, "x", 1)


def test_follow_up_uses_the_conversation(ingested, mash):
    conversation = handlers.answer_question(ingested, "What about Wirral?", mash, {})
    assert len(conversation) == 2
    follow_up = conversation[1]["answer"]
    assert "MASH" in follow_up["standalone_question"] and "Wirral" in follow_up["standalone_question"]
    assert "Read as:" in render.render_chat(conversation)
    assert state.history_of(conversation)[:2] == [
        {"role": "user", "content": "What did inspectors say about the MASH?"},
        {"role": "assistant", "content": mash[0]["answer"]["answer"]},
    ]


def test_filters_from_metadata_restrict_answers_and_show_while_active(ingested):
    options = handlers.filter_options(ingested)
    authorities = [value for _, value in options["authority"]]
    assert authorities[0] == "" and "Warrington" in authorities and "Wirral" in authorities
    assert "unknown" not in authorities
    assert "Ofsted" in [value for _, value in options["inspectorate"]]
    assert "focused visit" in [value for _, value in options["inspection_type"]]
    assert "2018-07-25" in options["date_hint"]

    filters = state.clean_filters(["Warrington", "", None, " ", ""])
    assert filters == {"authority": "Warrington"}
    bar = render.render_filter_bar(ingested, filters)
    assert "Filters on" in bar and "Warrington" in bar and "2 of 5 reports match" in bar
    assert render.render_filter_bar(ingested, {}) == ""

    conversation = handlers.answer_question(ingested, "What did inspectors find?", [], filters)
    answer = conversation[0]["answer"]
    assert answer["citations"]
    assert {c["metadata"]["authority"] for c in answer["citations"]} == {"Warrington"}
    assert "Filters: Authority: Warrington" in render.render_chat(conversation)


def test_a_filter_matching_no_report_is_said_once(ingested):
    conversation = handlers.answer_question(ingested, "What did inspectors find?", [], {"date_from": "2030"})
    answer = conversation[0]["answer"]
    reason = "no report matches the filter date_from=2030"
    assert answer["abstained"] and reason in answer["answer"] and reason in answer["notes"]
    text = html.unescape(re.sub(r"<[^>]+>", " ", render.render_chat(conversation)))
    # Once in the answer and once in the Copy text it carries, not a third time as a note below.
    assert text.count(reason) == text.count(answer["answer"]) == 2
    assert "searched 0 of 5 reports" in text  # a note the answer does not give is still shown


def test_bad_filter_and_empty_question_are_messages_not_tracebacks(ingested):
    conversation = handlers.answer_question(ingested, "What did inspectors say about the MASH?", [], {"date_from": "soon"})
    assert conversation[0]["error"].startswith("date filter 'soon'")
    chat = render.render_chat(conversation)
    assert "Could not answer" in chat and "Traceback" not in chat
    assert "YYYY" in render.render_filter_bar(ingested, {"date_from": "soon"})
    assert handlers.answer_question(ingested, "   ", [], {}) == []


def test_abstention_is_honest(ingested):
    conversation = handlers.answer_question(ingested, "What is the capital of France?", [], {})
    answer = conversation[0]["answer"]
    assert answer["abstained"] and not answer["citations"]
    chat = render.render_chat(conversation)
    assert "No answer in the reports" in chat and "do not answer this question" in chat
    assert "cite-marker" not in chat
    assert "no citations" in render.render_citations(conversation)


def test_welcome_card_lists_what_is_loaded_and_examples_built_from_it(ingested, scratch):
    from assistant.apps.web.welcome import welcome

    card = welcome(ingested)
    documents = ingested.documents()
    authorities = {m["authority"] for m in documents.values() if m["authority"] != "unknown"}
    assert card.reports == 5 and set(card.authorities) == authorities == {"Warrington", "Windsor and Maidenhead",
                                                                          "Wirral"}
    assert set(card.inspection_types) == {m["inspection_type"] for m in documents.values()}
    assert card.years == ("2018", "2022")
    assert len(card.examples) == 3 and len(set(card.examples)) == 3
    # Each example names something the index holds, and none repeats a report's own wording.
    texts = " ".join(Path(m["source"]).read_text(encoding="utf-8") for m in documents.values())
    for question in card.examples:
        assert any(name in question for name in card.authorities + card.inspection_types), question
        assert question.rstrip("?") not in texts
    assert {q.split()[0] for q in card.examples} == {"What", "Summarise"}
    # Answerable: the examples are questions the reports answer.
    for question in card.examples:
        assert not ingested.ask(question).abstained, question

    chat = render.render_chat([], card)
    assert "Ask about 5 inspection reports" in chat
    assert "Warrington, Windsor and Maidenhead, Wirral" in chat and "2018, 2022" in chat
    for question in card.examples:
        assert f'data-example="{html.escape(question)}"' in chat
    # An empty index says so and offers nothing to click.
    empty = render.render_chat([], welcome(scratch))
    assert "Ask about 0 inspection reports" in empty and "add some in the Library tab" in empty
    assert 'class="example"' not in empty


def test_page_says_loading_until_the_warm_up_is_done(ingested):
    import gradio as gr

    from assistant.apps.web.pages.ask import LOADING, READY, AskPage
    from assistant.apps.web.warm import Warmup

    warmup = Warmup(ingested)
    with gr.Blocks():
        page = AskPage(ingested, gr.State([]), warmup)
        page.build()
    assert page.question.interactive is False and page.ask_button.interactive is False
    steps = page.readiness()
    status, question, button = next(steps)
    assert status == LOADING and question["interactive"] is False and button["interactive"] is False
    warmup.start()
    status, question, button = next(steps)  # waits for the warm-up
    assert warmup.ready and warmup.error is None and warmup.seconds > 0
    assert status == READY and question["interactive"] is True and button["interactive"] is True
    assert next(steps, None) is None


def test_report_text_is_escaped_everywhere(scratch, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "<script>alert('title')</script> Rutland fostering report\n\n"
        "Rutland County Council fostering panel was inspected by Ofsted. "
        "Inspectors said the fostering panel <script>alert('x')</script> was <b>strong</b> and <img src=x onerror=alert(1)> "
        "well chaired by an experienced fostering panel chair.\n",
        encoding="utf-8",
    )
    result = handlers.upload_reports(scratch, [str(hostile)])
    assert [row[1] for row in result.rows] == ["indexed"], result.rows
    conversation = handlers.answer_question(scratch, "What did inspectors say about the fostering panel?", [], {})
    answer = conversation[0]["answer"]
    assert answer["citations"], answer
    assert any("<script>" in c["text"] for c in answer["citations"])
    citation = answer["citations"][0]
    rendered = [
        render.render_chat(conversation),
        render.render_citations(conversation),
        handlers.open_citation(scratch, conversation, 0, citation["n"]),
        render.header_html(scratch),
    ]
    for page in rendered:
        assert "<script" not in page.lower()
        assert "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in rendered[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered[2]
    # An example question or a note with markup is escaped too.
    assert "<x>" not in render.render_chat([{"question": "<x>", "error": "<x>", "filters": {"authority": "<x>"}}])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd", "passwd"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("..\\..\\windows\\system32\\x.DOCX", "x.docx"),
        ("..", "upload"),
        ("...", "upload"),
        (".bashrc", "bashrc"),
        ("", "upload"),
        ("Rutland visit (final) <v2>.txt", "Rutland_visit_final_v2.txt"),
        ("a..b..txt", "a.b.txt"),
        ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
    ],
)
def test_upload_names_are_sanitised(name, expected):
    safe = handlers.safe_upload_name(name)
    assert safe == expected
    assert "/" not in safe and "\\" not in safe and ".." not in safe and not safe.startswith(".")


def test_upload_copies_into_the_data_folder_and_reports_rejections_like_the_cli(scratch, tmp_path):
    from assistant.ingest.load import load_document

    incoming = tmp_path / "incoming"
    (incoming / "sub").mkdir(parents=True)
    good = incoming / "Rutland focused visit (2024).txt"
    good.write_text(
        "Rutland focused visit\n\nOfsted carried out a focused visit to Rutland County Council children's services. "
        "Inspectors found that care leavers in Rutland receive timely support from personal advisers.\n",
        encoding="utf-8",
    )
    bad = incoming / "virus.exe"
    bad.write_bytes(b"MZ\x00\x00binary")
    empty = incoming / "empty.md"
    empty.write_bytes(b"")
    sneaky = str(incoming / "sub" / ".." / "Rutland focused visit (2024).txt")

    progress = []
    result = handlers.upload_reports(scratch, [str(good), str(bad), str(empty), sneaky], lambda d, t, p: progress.append((d, t)))
    uploads = Path(scratch.settings.data_dir) / "uploads"
    statuses = {row[0]: (row[1], row[3]) for row in result.rows if row[1] != "duplicate"}
    assert statuses["Rutland focused visit (2024).txt"][0] == "indexed"
    # The same file again (by another path) is the indexed report's duplicate: reported, not kept.
    assert sorted(row[1] for row in result.rows if row[0] == "Rutland focused visit (2024).txt") == ["duplicate", "indexed"]
    assert statuses["virus.exe"][0] == "failed"
    assert statuses["empty.md"][0] == "failed"
    # The same reasons the CLI prints: they come from the loader, not from the UI.
    for path in (bad, empty):
        with pytest.raises(Exception) as raised:
            load_document(path, scratch.settings.max_file_bytes)
        assert statuses[path.name][1] == str(raised.value)
    assert progress and progress[-1][0] == progress[-1][1]
    saved = sorted(p.name for p in uploads.iterdir())
    assert saved == ["Rutland_focused_visit_2024.txt"]  # failures and duplicates not kept
    assert all(p.resolve().parent == uploads.resolve() for p in uploads.iterdir())
    assert "indexed" in result.message and "failed" in result.message

    rows = handlers.library_rows(scratch)
    assert any(row[1] == "Rutland" and row[2] == "focused visit" and row[6] >= 1 for row in rows), rows
    conversation = handlers.answer_question(scratch, "What support do care leavers in Rutland receive?", [], {})
    assert any("Rutland" in c["text"] for c in conversation[0]["answer"]["citations"])

    # Delete removes the report from the index and its uploaded copy.
    choices = dict((label, doc_id) for label, doc_id in handlers.library_choices(scratch))
    doc_id = next(d for label, d in choices.items() if "Rutland" in label)
    assert handlers.delete_report(scratch, doc_id).startswith("Deleted")
    assert doc_id not in scratch.documents()
    assert not (uploads / "Rutland_focused_visit_2024.txt").exists()
    assert handlers.delete_report(scratch, doc_id) == "That report is no longer in the index."
    assert handlers.delete_report(scratch, None) == "Choose a report to delete."


def test_an_upload_named_like_an_earlier_report_is_added_beside_it(scratch, tmp_path):
    # Two different reports both sent as "report.txt" (two people, or two downloads): the second must not
    # overwrite the first's file while the first stays listed in the index.
    texts = {"Bolton": "Ofsted carried out a focused visit to Bolton children's services. Inspectors found "
                       "that plans for children in need in Bolton are clear and reviewed often.\n",
             "Rochdale": "Ofsted carried out a monitoring visit to Rochdale children's services. Inspectors found "
                         "that the timeliness of assessments in Rochdale has improved since the last visit.\n"}
    for authority, text in texts.items():
        folder = tmp_path / authority
        folder.mkdir()
        (folder / "report.txt").write_text(text, encoding="utf-8")
        result = handlers.upload_reports(scratch, [str(folder / "report.txt")])
        assert [row[1] for row in result.rows] == ["indexed"], result.rows
    uploads = Path(scratch.settings.data_dir) / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["report-2.txt", "report.txt"]
    assert {p.read_text(encoding="utf-8") for p in uploads.iterdir()} == set(texts.values())
    authorities = {row[1] for row in handlers.library_rows(scratch)}
    assert {"Bolton", "Rochdale"} <= authorities, authorities
    # The same report again is a duplicate: reported by the title of the report it repeats (never a file path),
    # and its copy not kept under a third name.
    again = handlers.upload_reports(scratch, [str(tmp_path / "Bolton" / "report.txt")])
    assert [row[1] for row in again.rows] == ["duplicate"]
    assert again.rows[0][3].startswith("same content as “") and "Bolton" in again.rows[0][3]
    assert "uploads" not in again.rows[0][3] and ".txt" not in again.rows[0][3]
    assert sorted(p.name for p in uploads.iterdir()) == ["report-2.txt", "report.txt"]


def test_upload_without_files_is_a_message(scratch):
    assert handlers.upload_reports(scratch, []).message == "Choose one or more report files to add."


def test_feedback_lines_are_appended(ingested, mash, tmp_path):
    settings = build_settings(tmp_path)
    first = handlers.record_feedback(settings, mash, 0, "up")
    second = handlers.record_feedback(settings, mash, 0, "up", "  Clear and well sourced  ", feedback_id=first["feedback_id"])
    handlers.record_feedback(settings, mash, 0, "down", "wrong report")
    lines = (Path(settings.data_dir) / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 3
    assert entries[0]["rating"] == "up" and entries[0]["comment"] == ""
    assert entries[1]["feedback_id"] == first["feedback_id"] == second["feedback_id"]
    assert entries[1]["comment"] == "Clear and well sourced"
    assert entries[2]["rating"] == "down" and entries[2]["feedback_id"] != first["feedback_id"]
    assert entries[0]["question"] == "What did inspectors say about the MASH?"
    assert entries[0]["citations"][0]["source"].endswith(MASH_REPORT)
    with pytest.raises(Exception):
        handlers.record_feedback(settings, mash, 5, "up")
    with pytest.raises(Exception):
        handlers.record_feedback(settings, mash, 0, "meh")


def test_markdown_export_has_footnotes(ingested, mash, tmp_path):
    conversation = handlers.answer_question(ingested, "What is the capital of France?", mash, {})
    text = export.export_markdown(conversation)
    citations = mash[0]["answer"]["citations"]
    assert "## 1. What did inspectors say about the MASH?" in text
    assert "[^1]" in text.split("---")[0]
    assert re.search(r"^\[\^1\]: “OFSTED VISIT UPDATE” \(authority not stated, focused visit, 25 July 2018\): “", text, re.M)
    assert MASH_REPORT.rsplit("/", 1)[-1] not in text and "characters" not in text
    assert len(re.findall(r"^\[\^\d+\]: ", text, re.M)) == len(citations)
    assert " ".join(citations[0]["quote"].split()) in text
    assert "## 2. What is the capital of France?" in text and "do not answer" in text
    name, exported = export.export_file(conversation)
    assert re.fullmatch(r"conversation-\d{8}-\d{6}\.md", name)
    assert exported.splitlines()[4:] == text.splitlines()[4:]  # all but the export time
    assert export.export_file([]) is None


def test_copy_text_carries_sources(mash):
    text = export.plain_answer(mash[0]["answer"])
    first = mash[0]["answer"]["sentences"][0]
    label = f"{first['label']}: " if first.get("label") else ""  # whose report, as shown
    assert text.startswith(label + first["text"] + " [")  # markers after the sentence, as shown
    assert "Sources:" in text and "[1] “OFSTED VISIT UPDATE”" in text and MASH_REPORT.rsplit("/", 1)[-1] not in text


def test_api_function_returns_the_contract(ingested):
    result = handlers.ask_json(ingested, "What did inspectors say about the MASH?")
    assert {"id", "question", "standalone_question", "answer", "abstained", "sentences", "citations", "retrieved",
            "timings_ms"} <= result.keys()
    assert result["citations"][0]["source"].endswith(MASH_REPORT)
    with pytest.raises(Exception, match="k must be"):
        handlers.ask_json(ingested, "MASH?", k=0)


@pytest.mark.parametrize("filters, k, message", [
    ("Wirral", None, "filters must be an object such as"),
    ({"authority": ["Wirral"]}, None, "filter 'authority' must be one value, not list"),
    ({}, "abc", "k must be a whole number between 1 and 100, not 'abc'"),
    ({}, 2.5, "k must be a whole number"),
    ({"town": "Wirral"}, None, "unknown filter key 'town'"),
])
def test_api_arguments_of_the_wrong_shape_are_one_line_errors(ingested, filters, k, message):
    # Scripts send JSON: a string for the filters, a list for a value, a float for k. Each is named, not a
    # Python error ("dictionary update sequence element #0 ...").
    with pytest.raises(InputError, match=re.escape(message)):
        handlers.ask_json(ingested, "What did inspectors say about the MASH?", [], filters, k)


def test_api_blank_filter_values_mean_no_filter_as_in_the_app(ingested):
    question = "What did inspectors say about the MASH?"
    plain = handlers.ask_json(ingested, question)
    blank = handlers.ask_json(ingested, question, [], {"authority": "", "judgement": None, "date_from": "  "}, 8.0)
    assert not blank["abstained"] and blank["answer"] == plain["answer"]
    assert len(blank["retrieved"]) == 8  # a whole number sent as 8.0 is k = 8


def test_build_app_wires_ask_and_brief_endpoints(ingested):
    demo = app.build_app(ingested)
    names = {d.api_name for d in demo.fns.values() if d.api_visibility == "public"}
    assert names == {"ask", "brief"}


def test_app_and_cli_entry_points_parse(tmp_path):
    import subprocess
    import sys

    repo = CORPUS.parent
    for command in ([sys.executable, "app.py", "--help"], [sys.executable, "-m", "assistant.apps.cli", "serve", "--help"]):
        done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "--port" in done.stdout and "--host" in done.stdout
    done = subprocess.run([sys.executable, "app.py", "--port", "70000"], cwd=repo, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "port 70000" in done.stderr and "Traceback" not in done.stderr


def test_launch_options_carry_auth_and_limits(tmp_path):
    settings = build_settings(tmp_path, auth="staff:s3cret", max_file_mb=2)
    options = launch.launch_options(settings)
    assert options["auth"] == ("staff", "s3cret")
    assert options["max_file_size"] == 2 * 1024 * 1024
    assert launch.launch_options(build_settings(tmp_path))["auth"] is None


def test_saved_conversations_keep_update_rename_delete_and_cap(mash):
    convo = mash + [{"question": "And then?", "pending": True, "filters": {}}]
    saved, first = state.save_conversation([], None, convo, 3, "2026-12-04T10:00:00+00:00")
    assert len(saved) == 1 and first == saved[0]["id"]
    entry = saved[0]
    assert entry["title"] == "What did inspectors say about the MASH?" and entry["updated"].startswith("2026-12-04")
    assert len(entry["turns"]) == 1, "a pending turn is not kept"
    assert "retrieved" not in entry["turns"][0]["answer"] and entry["turns"][0]["answer"]["citations"]
    assert "retrieved" in mash[0]["answer"], "the conversation itself is left as it was"
    assert state.save_conversation(saved, None, [], 3, "later") == (saved, None), "an empty chat is not saved"

    # Saved again under its id: updated in place, moved first; a new one gets its own id.
    saved, second = state.save_conversation(saved, None, mash, 3, "2026-12-04T11:00:00+00:00")
    assert second != first and [e["id"] for e in saved] == [second, first]
    saved, same = state.save_conversation(saved, first, mash + mash, 3, "2026-12-04T12:00:00+00:00")
    assert same == first and [e["id"] for e in saved] == [first, second] and len(saved[0]["turns"]) == 2
    assert state.saved_choices(saved)[0] == (
        "What did inspectors say about the MASH? · 2 questions · 2026-12-04", first)

    # A name sticks through later saves; a blank name goes back to the first question.
    saved = state.rename_saved(saved, first, "  MASH   notes ")
    saved, _ = state.save_conversation(saved, first, mash, 3, "2026-12-05T09:00:00+00:00")
    assert saved[0]["title"] == "MASH notes" and state.saved_choices(saved)[0][0].startswith("MASH notes · 1 question ·")
    assert state.rename_saved(saved, first, " ")[0]["title"] == "What did inspectors say about the MASH?"

    # At most `limit` kept, oldest dropped; delete removes by id; junk from the browser is ignored.
    for hour in range(3):
        saved, _ = state.save_conversation(saved, None, mash, 3, f"2026-12-06T0{hour}:00:00+00:00")
    assert len(saved) == 3 and first not in {e["id"] for e in saved}
    gone = saved[1]["id"]
    assert gone not in {e["id"] for e in state.delete_saved(saved, gone)} and len(state.delete_saved(saved, gone)) == 2
    junk = ["x", {"id": 3, "turns": []}, {"id": "ok", "turns": "no"}, *saved]
    assert state.saved_choices(junk) == state.saved_choices(saved)
    assert state.find_saved(junk, saved[0]["id"]) == saved[0] and state.find_saved("nonsense", "x") is None
    long = [{"question": "word " * 40, "answer": mash[0]["answer"], "filters": {}}]
    assert state.title_of(long).endswith("…") and len(state.title_of(long)) <= state.TITLE_CHARS + 1


def test_browser_state_key_is_kept_across_restarts(tmp_path):
    from assistant.apps.web.pages.conversations import browser_secret

    key = browser_secret(tmp_path / "data")
    assert len(key) == 32 and browser_secret(tmp_path / "data") == key
    assert browser_secret(tmp_path / "other") != key
