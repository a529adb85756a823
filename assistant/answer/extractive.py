"""The default generator: it quotes the report sentences the learned ranker finds most likely to answer,
or nothing when even the best is unlikely (the reports do not answer). Offline and deterministic."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from assistant.answer.cite import DraftSentence
from assistant.answer.features import Candidate, authorities_named, feature_matrix
from assistant.answer.finding_kinds import DEFAULT_FINDING_MODEL, FindingClassifier, of_kind
from assistant.answer.profile import QuestionProfile, answer_spans, profile
from assistant.answer.ranker import SentenceRanker
from assistant.answer.route import asked_finding, asks_about_a_report, coordinated_parts, question_parts, route
from assistant.answer.wanted import Requirement, held, requirements
from assistant.core.settings import AnswerSettings
from assistant.core.types import Chunk, Passage, StoredSentence
from assistant.index.embed import Embedder
from assistant.ingest.describe import report_authorities
from assistant.text import ENDED, stamp_length
from assistant.text.patterns import UNKNOWN

# Rankings kept for the passage rerank after answering: a question's, and a few asked at the same time in the app.
_REMEMBERED_RANKINGS = 8
# Characters two passages of a report may lie apart and still count as touching: chunks end at a sentence's end,
# and the next starts after the white space; furniture left out between them (a page number) is longer.
_PASSAGE_GAP = 2

# The sentences stored inside these chunks, with their vectors (the sentence index, filled at ingest).
SentenceSource = Callable[[Sequence[Chunk]], list[tuple[StoredSentence, np.ndarray]]]


@dataclass(frozen=True)
class RankedSentence:
    candidate: Candidate
    probability: float

    @property
    def text(self) -> str:
        """What the sentence says as an answer: without a page's date stamp opening it, which dates the page, not
        what the sentence tells (and is neither said nor quoted)."""
        text = self.candidate.sentence.text
        return text[stamp_length(text):]

    @property
    def passage(self) -> int:
        return self.candidate.passage


@dataclass(frozen=True)
class Ranking:
    question: QuestionProfile
    sentences: tuple[RankedSentence, ...]  # best first
    threshold: float

    @property
    def answering(self) -> RankedSentence | None:
        """The best sentence, when it is likely enough to answer."""
        return self.sentences[0] if self.sentences and self.sentences[0].probability >= self.threshold else None


class ExtractiveGenerator:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        sentence_source: SentenceSource,
        idf: Callable[[str], float],
        ranker_path: Path,
        settings: AnswerSettings,
    ) -> None:
        self.embedder = embedder
        self.sentence_source = sentence_source
        self.idf = idf
        self.ranker_path = ranker_path
        self.settings = settings
        # The last few questions' rankings: answering and the passage rerank read the same one.
        self._rankings: dict[tuple[str, tuple[str, ...]], tuple[list[Candidate], Ranking]] = {}
        self._rankings_lock = threading.Lock()

    @cached_property
    def ranker(self) -> SentenceRanker:
        # Loaded on first use, so `assistant train` can build indexes before any model file exists.
        return SentenceRanker.load(self.ranker_path)

    @cached_property
    def finding_kinds(self) -> FindingClassifier:
        return FindingClassifier.load(self.settings.finding_model_path or DEFAULT_FINDING_MODEL, self.embedder.name)

    @property
    def threshold(self) -> float:
        override = self.settings.min_probability
        return self.ranker.threshold if override is None else override

    def candidates(self, passages: Sequence[Passage]) -> list[Candidate]:
        """Every stored sentence of the passages, once, credited to the best-ranked passage holding it."""
        position = {p.chunk.id: i for i, p in enumerate(passages, start=1)}
        found: dict[str, Candidate] = {}
        for sentence, vector in self.sentence_source([p.chunk for p in passages]):
            holders = [
                i for i, p in enumerate(passages, start=1)
                if p.chunk.doc_id == sentence.doc_id and p.chunk.start <= sentence.start and sentence.end <= p.chunk.end
            ]
            best = min(holders, default=position.get(sentence.chunk_id))
            if best is None or sentence.id in found:
                continue
            chunk = passages[best - 1].chunk
            found[sentence.id] = Candidate(
                sentence, vector, best, report_authorities(chunk.metadata), (chunk.start, chunk.end))
        return sorted(found.values(), key=lambda c: (c.passage, c.sentence.start))

    def rank(self, question: str, passages: Sequence[Passage]) -> Ranking:
        return self.rank_candidates(question, self.candidates(passages))

    def rank_candidates(self, question: str, candidates: Sequence[Candidate]) -> Ranking:
        """The candidates by the ranker's probability that they answer `question`, best first."""
        asked = profile(question, self.idf)
        if not candidates:
            return Ranking(asked, (), self.threshold)
        vector = self.embedder.embed_query(question)
        matrix = feature_matrix(asked, vector, candidates, self.ranker.mapped(vector))
        probabilities = self.ranker.probabilities(matrix)
        ranked = sorted(
            (RankedSentence(c, float(p)) for c, p in zip(candidates, probabilities)),
            key=lambda r: (-r.probability, r.passage, r.candidate.sentence.start),
        )
        return Ranking(asked, tuple(ranked), self.threshold)

    def _two_reports(self, question: QuestionProfile, candidates: Sequence[Candidate]) -> list[Ranking]:
        """The rankings of two things the question joins by "and", when each thing's best sentence stands in a
        different report about the named authority (then the question compares); otherwise none."""
        rankings = [self.rank_candidates(part, candidates) for part in coordinated_parts(question)]
        bests = [r.answering for r in rankings if r.answering and _about(r.answering, question.authorities)]
        if len(bests) == 2 and bests[0].candidate.sentence.doc_id != bests[1].candidate.sentence.doc_id:
            return rankings
        return []

    def choose(self, ranking: Ranking, candidates: Sequence[Candidate]) -> list[RankedSentence]:
        """The sentences that answer, composed by the question's form; `candidates` are the ranking's, which each
        part of a question asking two things ranks again."""
        asked = ranking.question
        if asks_about_a_report(asked):  # any sentence of the authority's report answers: no threshold
            return compose(tuple(r for r in ranking.sentences if _about(r, asked.authorities)), 0.0, self.settings,
                           "summary")
        form = route(asked)
        parts = question_parts(asked.text) if form == "compare" else []
        part_rankings = [self.rank_candidates(part, candidates) for part in parts] if len(parts) > 1 else []
        if form != "summary" and not part_rankings and ranking.sentences:
            part_rankings = self._two_reports(asked, candidates)
            form = "compare" if part_rankings else form
        # Each part's best sentence, when it answers, joins as a side of the comparison.
        answering = [r.answering.candidate.sentence.id for r in part_rankings if r.answering]
        finding = asked_finding(asked.text)
        # Only a summary keeps to one kind of finding: no other form loads the classifier.
        return compose(ranking.sentences, self.threshold, self.settings, form, asked.authorities,
                       finding, answering, self.finding_kinds if finding and form == "summary" else None)

    def ranking_for(self, question: str, passages: Sequence[Passage]) -> tuple[list[Candidate], Ranking]:
        """The passages' candidate sentences (read once: each part of a two-part question ranks the same ones) and
        their ranking for `question`, remembered for the last few questions."""
        key = (question, tuple(p.chunk.id for p in passages))
        with self._rankings_lock:
            found = self._rankings.get(key)
        if found is None:
            candidates = self.candidates(passages)
            found = (candidates, self.rank_candidates(question, candidates))
            with self._rankings_lock:
                self._rankings[key] = found
                while len(self._rankings) > _REMEMBERED_RANKINGS:
                    self._rankings.pop(next(iter(self._rankings)))
        return found

    def reranked(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        """The passages by the ranker's probability for their best sentence (a sentence counts for the best-ranked
        passage holding it), retrieval's order breaking ties; each passage's score is that probability."""
        _, ranking = self.ranking_for(question, passages)
        best: dict[int, float] = {}
        for r in ranking.sentences:  # best first
            best.setdefault(r.passage, r.probability)
        order = sorted(range(1, len(passages) + 1), key=lambda i: (-best.get(i, 0.0), i))
        return [Passage(passages[i - 1].chunk, round(best.get(i, 0.0), 6), rank) for rank, i in enumerate(order, 1)]

    def generate(self, question: str, passages: Sequence[Passage]) -> list[DraftSentence]:
        candidates, ranking = self.ranking_for(question, passages)
        chosen = self.choose(ranking, candidates)
        passage_texts = [p.chunk.text for p in passages]
        if self.settings.require_wanted:
            chosen = holding_wanted(ranking.question, ranking.sentences, chosen, passage_texts)
        labels = report_labels(chosen, [p.chunk.metadata for p in passages], bool(ranking.question.authorities))
        return [
            DraftSentence(r.text, (r.passage,), answer_span(ranking.question.wants, r.text), label)
            for r, label in zip(chosen, labels)
        ]


def compose(
    ranked: Sequence[RankedSentence], threshold: float, settings: AnswerSettings, form: str = "fact",
    named: Sequence[str] = (), finding: str | None = None, parts: Sequence[str] = (),
    finding_kinds: FindingClassifier | None = None,
) -> list[RankedSentence]:
    """The best sentence, then more that are likely and say something the chosen ones do not (maximal
    marginal relevance over the sentence vectors); nothing when even the best is below the threshold.
    In a fact's answer, a further sentence that would add a citation must be likelier (`extra_citation_ratio`) than
    one from a passage already cited or touching one. A summary takes more sentences of the best sentence's report,
    in the report's order; a comparison first gives each side its best sentences (`side_sentences`; each named
    authority, or else each report), then fills up. Sentences after the best are prose (`_prose`), not datelines or
    headings.
    A summary asking for one kind of finding (`finding`: weaknesses or strengths) adds only sentences of that kind
    (`finding_kinds` reads it from the sentence vectors), so praise stays out of a list of weaknesses. `parts` names
    the sentences (by id) that best answer each part of a question asking two things; in a comparison they join as
    sides do. A question naming authorities (`named`), a comparison's too, is answered from sentences of their
    reports or naming them, when any is ranked: a soft preference, since with none the ranking stands (a comparison's
    fill-up had quoted other authorities' reports: helper precision 0.737 -> 0.743, no answer's score moved)."""
    ranked = _preferred(ranked, named)
    if not ranked or ranked[0].probability < threshold:
        return []
    best = ranked[0]
    chosen = [best]
    if form == "summary":
        pool = [r for r in ranked[1:] if r.candidate.sentence.doc_id == best.candidate.sentence.doc_id]
        if finding is not None:
            if finding_kinds is None:
                raise ValueError("a summary of one kind of finding needs the finding classifier")
            kept = of_kind(finding_kinds, [r.candidate.vector for r in pool], finding)
            pool = [r for r, keep in zip(pool, kept) if keep]
        limit, floor = settings.summary_sentences, 0.0
    elif form == "compare":
        limit, floor = settings.compare_sentences, max(threshold, best.probability * settings.compare_ratio)
        side_floor = best.probability * settings.side_ratio
        sides = [r for r in ranked if r.candidate.sentence.id in parts] + [
            r for r in _side_bests(ranked, named, settings) if r.probability >= side_floor]
        # Sides may say alike what their reports say (that is the comparison), but not a report the same twice.
        for side in {id(r): r for r in sides if r is not best}.values():
            same_report = [c for c in chosen if c.candidate.sentence.doc_id == side.candidate.sentence.doc_id]
            if len(chosen) < limit and not (same_report and _repeats(side, same_report, settings.redundancy)):
                chosen.append(side)
        pool = list(ranked[1:])
    else:
        pool = list(ranked[1:])
        limit, floor = settings.max_sentences, max(threshold, best.probability * settings.extra_ratio)
    # Another passage means another citation: it must be likelier to answer than a sentence of a cited passage.
    new_citation_floor = max(floor, best.probability * settings.extra_citation_ratio) if form == "fact" else floor
    for other in pool:
        if len(chosen) >= limit:
            break
        if any(other is c for c in chosen):
            continue
        # Whether it would add a citation matters only between the two floors (in a fact's answer).
        if other.probability < floor or (other.probability < new_citation_floor and _cites_anew(other, chosen)):
            continue
        if _prose(other.text, settings) and not _repeats(other, chosen, settings.redundancy):
            chosen.append(other)
    if form == "summary":
        # The best sentence joins unchecked; in a summary it may be a heading ("Monitoring visit of Wirral"), which
        # says nothing once the summary's prose is there.
        chosen = [r for r in chosen if _prose(r.text, settings)] or chosen
        chosen.sort(key=lambda r: r.candidate.sentence.start)
    elif form == "compare":  # grouped by report, the best report first, each in the report's order
        first = {}
        for i, r in enumerate(chosen):
            first.setdefault(r.candidate.sentence.doc_id, i)
        chosen.sort(key=lambda r: (first[r.candidate.sentence.doc_id], r.candidate.sentence.start))
    return chosen


def _prose(text: str, settings: AnswerSettings) -> bool:
    """Whether a sentence can join after the best one: prose, not a report's furniture. Datelines, bylines, headings
    and lead-ins ("The report found:") rank near the sentences they stand beside, and each added a citation
    that answered nothing; a long sentence cut off at a report's end still says something."""
    words = len(text.split())
    ended = bool(ENDED.search(text))
    return words >= settings.further_min_words and (ended or words >= settings.unended_min_words)


def _repeats(sentence: RankedSentence, chosen: Sequence[RankedSentence], redundancy: float) -> bool:
    """Whether the sentence is as good as said already: this similar (cosine) to a chosen one."""
    return max(float(sentence.candidate.vector @ c.candidate.vector) for c in chosen) >= redundancy


def _cites_anew(other: RankedSentence, chosen: Sequence[RankedSentence]) -> bool:
    """Whether adding the sentence adds a citation: its passage is none of the cited ones and touches none of them.
    The citation check (answer/cite.joined) cites passages of a report as one when only white space lies between
    them; the report's text is not at hand here, so passages count as touching when they overlap or nearly meet
    (`_PASSAGE_GAP`), and a wider gap of white space is taken for a new citation: the stricter floor, never a looser
    one. JOIN_MOST is not counted: a fact's answer of three sentences (max_sentences' default) never reaches it."""
    return all(other.passage != c.passage and not _touching(other.candidate, c.candidate) for c in chosen)


def _touching(a: Candidate, b: Candidate) -> bool:
    if a.sentence.doc_id != b.sentence.doc_id or a.span is None or b.span is None:
        return False
    (a_start, a_end), (b_start, b_end) = a.span, b.span
    return max(a_start, b_start) - min(a_end, b_end) <= _PASSAGE_GAP


def holds_wanted(asked: Sequence[Requirement], chosen: Sequence[RankedSentence], passages: Sequence[str]) -> bool:
    """Whether the chosen sentences hold what the question's form asks for (`asked`: answer/wanted.py), each read with
    the text of the retrieved passage it stands in (`passages`, in rank order)."""
    return held(asked, [(r.text, passages[r.passage - 1]) for r in chosen])


def holding_wanted(
    question: QuestionProfile, ranked: Sequence[RankedSentence], chosen: Sequence[RankedSentence], passages: Sequence[str],
) -> list[RankedSentence]:
    """The chosen sentences when they hold what the question's form asks for; none when they do not (the question
    asks for a name, date, figure or grade that none holds), except that a question for the holder of a role,
    once its best sentence passes the threshold (`chosen` is not empty), is answered by the best-ranked sentence of that sentence's report
    naming a person beside that role (another report may be of another year and another holder). The ranker's
    best sentence on "Who was chief executive of X when ...?" is often about the "when", and the sentence naming
    the chief executive may rank below the threshold; a person beside the role is specific enough to answer, and so
    is a day asked for ("On what date was the report published?": the best sentence is about the report, the
    sentence giving the day ranks lower). Any date, or a grade, is not: answering with the best sentence holding
    one answered more questions the reports do not answer."""
    asked = requirements(question)  # read once: the fallback checks sentence after sentence against it
    if holds_wanted(asked, chosen, passages):
        return list(chosen)
    if chosen and any((r.kind == "person" and r.topic) or r.kind == "day" for r in asked):
        report = chosen[0].candidate.sentence.doc_id
        return next(([r] for r in ranked if r.candidate.sentence.doc_id == report
                     and holds_wanted(asked, [r], passages)), [])
    return []


def _preferred(ranked: Sequence[RankedSentence], named: Sequence[str]) -> Sequence[RankedSentence]:
    """A question naming an authority is answered from its reports, or from sentences naming it, whenever
    retrieval found any: another authority's sentence may rank high on the topic and still not answer.
    A report whose authority was not read may be about anyone, so it stays."""
    if not named:
        return ranked
    return [r for r in ranked if _about(r, named) or UNKNOWN in r.candidate.authorities or _names(r, named)] or ranked


def _names(sentence: RankedSentence, authorities: Sequence[str]) -> bool:
    """Whether the sentence itself names one of the authorities."""
    return bool(authorities_named(sentence.text) & set(authorities))


def _reported(sentence: RankedSentence) -> set[str]:
    """The authorities the sentence's report is about, lower-cased."""
    return {a.lower() for a in sentence.candidate.authorities}


def _about(sentence: RankedSentence, authorities: Sequence[str]) -> bool:
    """Whether the sentence's report is about one of the authorities (any report when none is named)."""
    named = {a.lower() for a in authorities}
    return not named or bool(named & _reported(sentence))


def report_labels(
    chosen: Sequence[RankedSentence], metadata: Sequence[Mapping[str, Any]], named: bool = True,
) -> list[str | None]:
    """When an answer draws on more than one report, or its question names no authority (`named` False: "Where were
    care leavers found homeless?" is answered by whose report it is), the first sentence of each report's group
    names it: authority (inspection type, year), from the report's metadata; otherwise no labels."""
    if named and len({r.candidate.sentence.doc_id for r in chosen}) < 2:
        return [None] * len(chosen)
    labels: list[str | None] = []
    previous = None
    for r in chosen:
        doc = r.candidate.sentence.doc_id
        labels.append(None if doc == previous else report_label(metadata[r.passage - 1]))
        previous = doc
    return labels


def report_label(meta: Mapping[str, Any]) -> str:
    known = [str(meta.get(key, "")) for key in ("inspection_type", "date")]
    known = [v[:4] if key == "date" else v for key, v in zip(("inspection_type", "date"), known)
             if v and v != UNKNOWN]
    authority = str(meta.get("authority", ""))
    authority = authority if authority and authority != UNKNOWN else "Unnamed authority"
    return f"{authority} ({', '.join(known)})" if known else authority


def _side_bests(
    ranked: Sequence[RankedSentence], named: Sequence[str], settings: AnswerSettings
) -> list[RankedSentence]:
    """The best `side_sentences` of each side of a comparison: every side's best (the best side's first), then
    every side's second, and so on; after its best, a side's are prose (`_prose`). A side is each authority the
    question names (a report about several counts for each), or, with fewer than two named, each report."""
    bests: dict[str, list[RankedSentence]] = {}
    wanted = [n.lower() for n in named] if len(named) > 1 else []
    for r in ranked:  # best first, so the first sentences seen of a side are its best
        if wanted:
            reported = _reported(r)
            sides = [n for n in wanted if n in reported]
        else:
            sides = [r.candidate.sentence.doc_id]
        for side in sides:
            found = bests.setdefault(side, [])
            if len(found) < settings.side_sentences and (not found or _prose(r.text, settings)):
                found.append(r)
    places = range(settings.side_sentences)
    by_place = [picks[place] for place in places for picks in bests.values() if place < len(picks)]
    return list({id(r): r for r in by_place}.values())


def answer_span(wants: Sequence[str], text: str) -> tuple[int, int] | None:
    """The part of the sentence that answers: the first grade, date, figure or name of a kind the question asks for."""
    for kind in wants:
        spans = answer_spans(kind, text)
        if spans:
            return spans[0]
    return None

