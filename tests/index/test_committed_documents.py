"""The committed documents a question reads (ChromaStore.documents) are one copy shared by every caller until the
next commit: the metadata handed out is read-only, the mapping of ids each caller's own, and a correction or
commit by another store on the same index is seen by the next read."""
from __future__ import annotations

import pytest

from assistant.core.types import Document
from assistant.index.chroma import ChromaStore
from tests.conftest import build_settings


def _document(doc_id: str) -> Document:
    return Document(doc_id, f"{doc_id}.txt", doc_id.title(), f"The report {doc_id}.", f"hash-{doc_id}",
                    {"authority": "Wirral"})


def test_the_documents_handed_out_are_read_only_and_shared_until_a_change(tmp_path):
    settings = build_settings(tmp_path)
    store, other = ChromaStore(settings), ChromaStore(settings)
    other.commit_documents([(_document("a"), 0)])
    documents = store.documents()
    with pytest.raises(TypeError):
        documents["a"]["authority"] = "Bristol"  # type: ignore[index]
    assert store.documents()["a"] is documents["a"]  # no copy while the token stands
    documents.pop("a")  # the mapping itself is the caller's own
    assert set(store.documents()) == {"a"} and dict(store.documents()["a"])["authority"] == "Wirral"
    other.update_document_metadata("a", {"authority": "Bristol"})
    assert store.documents()["a"]["authority"] == "Bristol" and documents == {}
    other.commit_documents([(_document("b"), 0)])
    assert set(store.documents()) == {"a", "b"}
