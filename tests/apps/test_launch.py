"""How the app is exposed: loopback only unless ASSISTANT_HOST says otherwise, optional ASSISTANT_AUTH that is
really enforced, and a warning when it is exposed without a password."""
from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from assistant.apps.web import launch as server
from tests.support import procs
from tests.conftest import build_settings


class FakeDemo:
    local_url = "http://127.0.0.1:7860/"

    def __init__(self) -> None:
        self.kwargs: dict = {}

    def queue(self, **kwargs):
        return self

    def launch(self, **kwargs):
        self.kwargs = kwargs
        return None, self.local_url, None

    def block_thread(self) -> None:
        pass


def _launch(monkeypatch, settings) -> dict:
    demo = FakeDemo()
    monkeypatch.setattr(server, "build_app", lambda helper, warmup=None: demo)
    helper = SimpleNamespace(settings=settings, documents=lambda: {"d": {}}, ask=lambda question: None)
    server.launch(settings, helper=helper, prevent_thread_lock=True)
    return demo.kwargs


def test_default_binds_loopback_without_auth(monkeypatch, tmp_path, capsys):
    kwargs = _launch(monkeypatch, build_settings(tmp_path))
    assert kwargs["server_name"] == "127.0.0.1" and kwargs["server_port"] == 7860
    assert kwargs["auth"] is None
    assert "warning" not in capsys.readouterr().err


def test_auth_from_settings_reaches_launch(monkeypatch, tmp_path, capsys):
    kwargs = _launch(monkeypatch, build_settings(tmp_path, auth="staff:s3cret:with:colons", host="0.0.0.0"))
    assert kwargs["server_name"] == "0.0.0.0"
    assert kwargs["auth"] == ("staff", "s3cret:with:colons") and kwargs["auth_message"]
    assert "warning" not in capsys.readouterr().err  # exposed, but behind a password


def test_exposed_without_auth_warns(monkeypatch, tmp_path, capsys):
    kwargs = _launch(monkeypatch, build_settings(tmp_path, host="0.0.0.0"))
    assert kwargs["server_name"] == "0.0.0.0" and kwargs["auth"] is None
    err = capsys.readouterr().err
    assert "warning: serving on 0.0.0.0 without ASSISTANT_AUTH" in err


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_serve_reads_host_port_and_auth_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    seen = []
    monkeypatch.setattr(server, "launch", lambda settings, *a, **k: seen.append(settings))
    server.serve()
    assert (seen[-1].host, seen[-1].port, seen[-1].auth_pair) == ("127.0.0.1", 7860, None)
    monkeypatch.setenv("ASSISTANT_HOST", "0.0.0.0")
    monkeypatch.setenv("ASSISTANT_PORT", "8123")
    monkeypatch.setenv("ASSISTANT_AUTH", "staff:pw")
    server.serve()
    assert (seen[-1].host, seen[-1].port, seen[-1].auth_pair) == ("0.0.0.0", 8123, ("staff", "pw"))
    server.serve(host="127.0.0.1", port=9000)  # the command line wins over the environment
    assert (seen[-1].host, seen[-1].port) == ("127.0.0.1", 9000)


def test_bad_auth_setting_is_a_clear_error(monkeypatch, tmp_path):
    from assistant.core.errors import ConfigurationError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_AUTH", "no-colon")
    with pytest.raises(ConfigurationError, match="ASSISTANT_AUTH: .*user:password"):
        server.serve()


def _outward_address() -> str | None:
    """This machine's non-loopback address, if it has one (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            address = sock.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_real_app_enforces_auth_and_stays_on_loopback(ingested, monkeypatch):
    from gradio_client import Client

    port = procs.free_port()
    settings = ingested.settings.model_copy(update={"port": port, "auth": "staff:s3cret"})
    helper = SimpleNamespace(settings=settings, documents=ingested.documents, ask=ingested.ask,
                             document=ingested.document, stats=ingested.stats, ingest=ingested.ingest,
                             delete=ingested.delete)
    built = []
    real_build = server.build_app
    monkeypatch.setattr(server, "build_app", lambda h, warmup=None: built.append(real_build(h, warmup)) or built[-1])
    server.launch(settings, helper=helper, prevent_thread_lock=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        assert _reachable("127.0.0.1", port)
        outward = _outward_address()
        if outward:
            assert not _reachable(outward, port), f"the app answered on {outward}: it must bind loopback only"
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("What did inspectors say about the MASH?", api_name="/ask")
        with pytest.raises(Exception):
            Client(url, verbose=False, auth=("staff", "wrong")).predict("MASH?", api_name="/ask")
        answer = Client(url, verbose=False, auth=("staff", "s3cret")).predict(
            "What did inspectors say about the MASH?", api_name="/ask")
        assert answer["citations"] and not answer["abstained"]
    finally:
        for demo in built:
            demo.close()
