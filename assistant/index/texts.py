"""Full texts of the documents answers cite, read from the store once per content and kept in memory."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from assistant.core.types import Passage
from assistant.index.chroma import Store


class DocumentTexts:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._texts: dict[tuple[str, str], str] = {}  # (doc id, content hash) -> document text

    def of(self, passages: Sequence[Passage], documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        """Texts of the passages' documents (a changed file keeps its id, not its hash)."""
        keys = {doc_id: (doc_id, str(documents.get(doc_id, {}).get("content_hash"))) for doc_id in
                {p.chunk.doc_id for p in passages}}
        unread = [doc_id for doc_id, key in keys.items() if key not in self._texts]
        for document in self.store.documents_by_id(unread):  # one read for all, each read costs a few ms
            self._texts[(document.id, document.content_hash)] = document.text
        return {doc_id: self._texts[key] for doc_id, key in keys.items() if key in self._texts}
