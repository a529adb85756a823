"""Free disk before an ingest writes: Chroma that runs out of space mid-write cannot answer again until space
is freed (every read retries compacting its write log, and fails), so ingest stops before it would run out."""
from __future__ import annotations

import errno
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from assistant.core.errors import StoreError
from assistant.ingest.load import human_size

# Measured with 384-dimension vectors: about 5.5 KB on disk per stored row (chunk or sentence), the vector and
# text being held three times (write log, metadata segment with its full-text index, HNSW). Twice a generous
# per-row figure is asked for, so compaction after the write still finds room.
_COPIES = 3
_ROW_OVERHEAD = 1024


def needed_bytes(texts: Sequence[str], dimensions: int) -> int:
    return 2 * sum(_COPIES * (dimensions * 4 + len(text.encode("utf-8"))) + _ROW_OVERHEAD for text in texts)


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def disk_full(folder: Path, needed: int) -> StoreError:
    return StoreError(
        f"disk full: {folder} has {human_size(free_bytes(folder))} free and the next passages need about "
        f"{human_size(needed)}; free some space and ingest again (documents indexed before this stop are kept)"
    )


def check_room(folder: Path | None, texts: Sequence[str], dimensions: int) -> int:
    """Bytes these rows need; StoreError "disk full" when the index's disk lacks them (None: a server's disk)."""
    needed = needed_bytes(texts, dimensions)
    if folder is not None and free_bytes(folder) < needed:
        raise disk_full(folder, needed)
    return needed


@contextmanager
def reporting_disk_full(folder: Path | None, needed: int) -> Iterator[None]:
    """A write that fails anyway (the estimate was short, another writer filled the disk) says disk full too."""
    try:
        yield
    except (StoreError, OSError) as exc:
        full = getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc).lower()
        if folder is not None and (full or free_bytes(folder) < needed):
            raise disk_full(folder, needed) from None
        raise
