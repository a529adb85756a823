"""Issue 17, the web app: what gradio keeps and serves (uploads, exports) and login throttling, against real
apps started by `launch` on loopback, driven over HTTP as the browser drives them (no Chromium)."""
import json
import os
import time
from pathlib import Path

import httpx
import pytest

from assistant.apps.web import launch as server
from tests.support import procs
from tests.conftest import CORPUS, build_settings

QUESTION = "What did inspectors say about the MASH?"


@pytest.fixture(scope="module")
def gradio_dir(tmp_path_factory):
    """gradio's upload folder, private to this module, so what it holds can be listed exactly."""
    folder = tmp_path_factory.mktemp("gradio")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(folder))
        yield folder


class _Served:
    """The helper as a server on its own port sees it: its settings replaced, everything else its own."""

    def __init__(self, helper, settings) -> None:
        self._helper, self.settings = helper, settings

    def __getattr__(self, name: str):
        return getattr(self._helper, name)


@pytest.fixture(scope="module")
def serve(gradio_dir, shared_embedder):
    """serve(helper, **settings) -> (base URL, demo): `launch` on a free loopback port; all closed at the end."""
    built = []
    real_build = server.build_app

    def start(helper, **overrides):
        settings = helper.settings.model_copy(update={"port": procs.free_port(), **overrides})
        facade = _Served(helper, settings)
        server.build_app = lambda h, warmup=None: built.append(real_build(h, warmup)) or built[-1]
        try:
            server.launch(settings, helper=facade, prevent_thread_lock=True)
        finally:
            server.build_app = real_build
        return f"http://127.0.0.1:{settings.port}", built[-1]

    yield start
    for demo in built:
        demo.close()


@pytest.fixture(scope="module")
def helper(tmp_path_factory, shared_embedder, gradio_dir):
    """An Assistant over its own index of the corpus (uploads and deletes here touch no other test)."""
    from assistant.pipeline import Assistant

    assistant = Assistant(build_settings(tmp_path_factory.mktemp("hardening")), embedder=shared_embedder)
    assert assistant.ingest().ok
    return assistant


@pytest.fixture(scope="module")
def app(serve, helper):
    return serve(helper)


def _fn_index(demo, name: str) -> int:
    """The first event running the page function `name` ("LibraryPage.on_delete": its class and its name)."""
    owner, _, function = name.rpartition(".")
    return next(i for i, fn in demo.fns.items()
                if getattr(fn.fn, "__name__", "") == function and owner in getattr(fn.fn, "__qualname__", ""))


def _run(base: str, demo, name: str, data: list, session: str, client: httpx.Client | None = None,
         steps: list | None = None) -> list:
    """Run the page event whose function is `name` as the browser does (queue/join, then the SSE stream); a
    generator's outputs before its last are appended to `steps`."""
    client = client or httpx.Client(timeout=120)
    index = _fn_index(demo, name)
    joined = client.post(f"{base}/gradio_api/queue/join",
                         json={"data": data, "fn_index": index, "session_hash": session, "trigger_id": None,
                               "event_data": None})
    assert joined.status_code == 200, joined.text
    with client.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_generating" and steps is not None:
                steps.append(message["output"]["data"])
            if message.get("msg") == "process_completed":
                assert message.get("success"), message
                return message["output"]["data"]
    raise AssertionError(f"{name} never completed")


def _inputs(demo, name: str, **values) -> list:
    """The event's inputs at their defaults (None for state), with `values` by elem_id or label."""
    fn = demo.fns[_fn_index(demo, name)]
    row = []
    for component in fn.inputs:
        key = component.elem_id or getattr(component, "label", None)
        row.append(values[key] if key in values else (None if component.stateful else component.value))
    return row


def _export_path(output: list) -> str:
    """The path of the first Markdown file the event's outputs offer for download."""
    found = [o["value"]["path"] for o in output
             if isinstance(o, dict) and str((o.get("value") or {}).get("path", "")).endswith(".md")]
    assert found, output
    return found[0]


# The page events that give a session a file to download, with inputs that make one.
DOWNLOADS = {"AskPage.on_ask": {"question": QUESTION}, "BriefPage.on_build": {"brief-authority": "Warrington"}}


def _download(base, demo, session: str, name: str = "AskPage.on_ask") -> str:
    return _export_path(_run(base, demo, name, _inputs(demo, name, **DOWNLOADS[name]), session))


def _served(base: str, path: str | Path, client: httpx.Client | None = None) -> int:
    return (client or httpx).get(f"{base}/gradio_api/file={path}").status_code


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_temp_files_are_deleted_on_a_schedule(app):
    _, demo = app
    # Issue 17: without delete_cache gradio keeps every upload and export until the server stops.
    assert demo.delete_cache == (3600, 3600)


@pytest.mark.parametrize("event", DOWNLOADS)
def test_a_download_lives_until_the_sessions_next_one_or_its_end(app, gradio_dir, event):
    base, demo = app
    a, b = f"{event}-a", f"{event}-b"
    first = _download(base, demo, a, event)
    assert Path(first).is_relative_to(gradio_dir) and Path(first).read_text().startswith("# ")
    assert _served(base, first) == 200
    other = _download(base, demo, b, event)
    assert Path(other).parent != Path(first).parent  # each session its own unguessable folder
    second = _download(base, demo, a, event)
    # A new folder, so a new address: a browser cannot serve the replaced file's bytes from its cache.
    assert Path(second).parent != Path(first).parent and Path(second).parent.parent == Path(first).parent.parent
    assert not Path(first).parent.exists() and _served(base, first) in (403, 404)  # the next one replaced it

    # The tab closes (its heartbeat connection drops): the session's folder goes, the other session's stays.
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", f"{base}/gradio_api/heartbeat/{a}") as beat:
            next(beat.iter_lines())
    deadline = time.monotonic() + 20
    while Path(second).parent.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(second).parent.exists() and _served(base, second) in (403, 404)
    assert Path(other).exists() and _served(base, other) == 200


def test_files_outside_what_gradio_produced_are_not_served(app, helper, tmp_path):
    base, _ = app
    stray = Path("/tmp") / f"hardening-{os.getpid()}.txt"
    stray.write_text("not for the web")
    try:
        assert _served(base, stray) == 403
    finally:
        stray.unlink()
    assert _served(base, next(CORPUS.glob("*.txt")).resolve()) == 403  # the project folder is not served
    assert _served(base, Path(helper.settings.index_dir).resolve() / "..") == 403
    assert _served(base, "/etc/passwd") == 403
    assert _served(base, "../../../../etc/passwd") in (403, 404)


def _upload(base: str, demo, path: Path, session: str) -> list:
    with path.open("rb") as handle:
        sent = httpx.post(f"{base}/gradio_api/upload", files=[("files", (path.name, handle))], timeout=60)
    assert sent.status_code == 200, sent.text
    [copy] = sent.json()
    assert Path(copy).exists() and _served(base, copy) == 200  # gradio's copy, while the upload is handled
    files = [{"path": copy, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}]
    steps: list = []
    output = _run(base, demo, "LibraryPage.on_upload", _inputs(demo, "LibraryPage.on_upload", upload=files), session,
                  steps=steps)
    # While it is indexed the status says so, rather than still showing the previous upload's outcome.
    assert "Adding 1 file(s)…" in json.dumps(steps[0], ensure_ascii=False), steps
    assert not Path(copy).exists() and _served(base, copy) in (403, 404)  # the data folder's copy is the one kept
    return output


def test_uploads_leave_no_gradio_copy_duplicates_are_not_kept_and_delete_removes_the_copy(app, helper, tmp_path,
                                                                                         gradio_dir):
    base, demo = app
    uploads = Path(helper.settings.data_dir) / "uploads"
    report = tmp_path / "Rutland focused visit.txt"
    report.write_text("Rutland focused visit\n\nOfsted carried out a focused visit to Rutland County Council "
                      "children's services. Inspectors found that care leavers in Rutland receive timely support "
                      "from personal advisers.\n", encoding="utf-8")
    assert "1 indexed" in json.dumps(_upload(base, demo, report, "uploader"))
    assert [p.name for p in uploads.iterdir()] == ["Rutland_focused_visit.txt"]
    assert _served(base, uploads / "Rutland_focused_visit.txt") == 403

    # The same content as an indexed corpus report: reported as its duplicate, and nothing of it kept.
    duplicate = tmp_path / "copy of a corpus report.txt"
    duplicate.write_bytes(next(CORPUS.glob("*.txt")).read_bytes())
    assert "1 duplicate" in json.dumps(_upload(base, demo, duplicate, "uploader"))
    assert [p.name for p in uploads.iterdir()] == ["Rutland_focused_visit.txt"]

    doc_id = next(d for d, meta in helper.documents().items() if "Rutland" in str(meta.get("source")))
    output = _run(base, demo, "LibraryPage.on_delete", [doc_id], "uploader")
    assert "Deleted" in json.dumps(output)
    assert list(uploads.iterdir()) == []
    assert not [p for p in _files(gradio_dir) if "Rutland" in p.name]  # no temp copy either


def _login(base: str, client: httpx.Client, password: str) -> int:
    return client.post(f"{base}/login", data={"username": "staff", "password": password}).status_code


def test_failed_logins_are_throttled_per_client_until_the_window_passes(serve, helper):
    window = 2.0
    base, _ = serve(helper, auth="staff:s3cret",
                    limits=helper.settings.limits.model_copy(update={"login_failures": 5, "login_window_s": window}))
    with httpx.Client(timeout=30) as client:
        started = time.monotonic()
        assert [_login(base, client, "wrong") for _ in range(5)] == [400] * 5
        refused = client.post(f"{base}/login", data={"username": "staff", "password": "wrong"})
        assert refused.status_code == 429 and "try again" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        assert _login(base, client, "s3cret") == 429  # even the right password, within the window
        assert time.monotonic() - started < window, "too slow to check the window on this machine"
        time.sleep(window + 0.2)
        assert _login(base, client, "s3cret") == 200
        assert client.get(f"{base}/gradio_api/info").status_code == 200  # signed in
        # A success clears the count: the next typing error is one failure, not the sixth.
        assert _login(base, client, "wrong") == 400 and _login(base, client, "s3cret") == 200


def test_a_question_that_is_not_answered_stays_in_the_box(app):
    base, demo = app
    name = "AskPage.on_ask"
    too_long = "What did inspectors say about strategy meetings? " * 50  # over the 2,000-character limit
    output = _run(base, demo, name, _inputs(demo, name, question=too_long), "too-long")
    box = output[0]["value"] if isinstance(output[0], dict) else output[0]
    assert box == too_long  # to be shortened and asked again, not lost
    answered = _run(base, demo, name, _inputs(demo, name, question=QUESTION), "answered")
    assert (answered[0]["value"] if isinstance(answered[0], dict) else answered[0]) == ""
