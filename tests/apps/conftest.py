"""The app in a subprocess for the browser and API tests: each test module gets its own, on a fresh index."""
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, REAL_MODEL
from tests.support import procs

REPO = CORPUS.parent


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """`python app.py --port N` on loopback with a fresh index (so it ingests corpus/ on start); stopped by pid."""
    root = tmp_path_factory.mktemp("app")
    port = procs.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_INDEX_DIR=str(root / "index"), ASSISTANT_DATA_DIR=str(root / "data"),
        ASSISTANT_CORPUS_DIR=str(CORPUS), ASSISTANT_EMBED_MODEL=REAL_MODEL,
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
    )
    log_path = root / "app.log"
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        failed = procs.wait_until_up(process, lambda: procs.answers(url), 240)
        if failed:
            pytest.fail(f"app.py {failed} on {url}:\n{log_path.read_text()[-3000:]}")
        yield {"url": url, "data": root / "data", "root": root, "log": log_path}
    finally:
        procs.stop(process)
        log.close()
