"""A seeded generator of synthetic, inspection-report-like documents for scale benchmarks.

`generate(folder, chunks=N, seed=S)` writes plain-text reports (authority, inspectorates, inspection
type, dates, judgements; summary, strengths, areas for improvement and actions sections) until the
documents hold N chunks under the given chunking settings. The same seed and size give byte-identical
files; nothing depends on the clock, the machine or hash randomisation.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Sequence

from assistant.ingest.gazetteer import AUTHORITIES

MANIFEST = ".synth.json"  # hidden: ingest skips dot files

INSPECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("joint targeted area inspection", ("Ofsted", "the Care Quality Commission (CQC)",
                                        "HMICFRS", "HMI Probation")),
    ("inspection of local authority children's services", ("Ofsted",)),
    ("monitoring visit", ("Ofsted",)),
    ("focused visit", ("Ofsted",)),
    ("joint inspection of the multi-agency safeguarding arrangements", ("Ofsted", "the Care Quality Commission (CQC)",
                                                                        "HMICFRS")),
    ("multi-agency pilot inspection", ("Ofsted", "the Care Quality Commission (CQC)", "HMICFRS", "HMI Probation")),
)
JUDGEMENTS = ("outstanding", "good", "requires improvement to be good", "inadequate")
THEMES = (
    "the multi-agency safeguarding hub", "the front door", "early help", "children in care", "care leavers",
    "private fostering", "domestic abuse", "child criminal exploitation", "child sexual exploitation",
    "children who go missing", "neglect", "disabled children", "placement sufficiency", "quality assurance",
    "management oversight", "supervision of social workers", "social worker caseloads",
    "the education of children in care", "initial health assessments", "return home interviews",
    "strategy meetings", "child protection conferences", "the local authority designated officer",
    "pre-proceedings work", "permanence planning", "adoption", "the recruitment of foster carers",
    "children placed out of area", "unaccompanied asylum-seeking children", "transitions to adult services",
    "the virtual school", "emotional wellbeing and mental health", "youth justice", "elective home education",
    "the voice of the child", "direct work with children", "case recording", "multi-agency information sharing",
)
PARTNERS = ("the police", "health partners", "schools", "the clinical commissioning group", "probation",
            "the integrated care board", "housing services", "the youth offending service", "GPs",
            "the designated nurse", "the safeguarding partnership", "elected members", "the virtual school")
ROLES = ("Director of Children's Services", "Lead Member for Children", "Principal Social Worker",
         "Head of Service", "Independent Scrutineer", "Chief Executive")
FIRST = ("Alison", "Ben", "Catherine", "David", "Emma", "Farah", "Gareth", "Helen", "Imran", "Julia", "Kevin",
         "Laura", "Mohammed", "Nicola", "Owen", "Priya", "Rachel", "Simon", "Tariq", "Victoria")
LAST = ("Ahmed", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Patel", "Roberts", "Shaw", "Taylor", "Walker", "Wright", "Young")

STRENGTHS = (
    "Inspectors found that {theme} is well established and that {partner} contribute effectively.",
    "Children benefit from timely and proportionate responses when concerns are raised about {theme}.",
    "Social workers know their children well and visit them regularly, including in relation to {theme}.",
    "Leaders have a clear understanding of the strengths and weaknesses of {theme}.",
    "Since the last inspection, leaders have strengthened {theme}, and {percent}% of assessments are now completed within timescales.",
    "Partnership working with {partner} is strong, and information about {theme} is shared promptly.",
    "Managers provide regular and reflective supervision, and staff told inspectors that they feel well supported.",
    "Thresholds are well understood by {partner}, and referrals about {theme} are appropriate.",
    "Children's plans are specific and are reviewed regularly, so that progress on {theme} is clear.",
    "The quality of practice in {theme} has improved steadily over the last {months} months.",
    "Direct work with children is creative and helps children to understand their histories.",
    "Caseloads are manageable, at an average of {caseload} children per social worker.",
    "Children who need help and protection are seen quickly, and their wishes and feelings inform their plans.",
    "The response to {theme} out of hours is effective, and decisions are made by experienced staff.",
    "Disabled children receive sensitive and well-coordinated support from {partner}.",
    "Independent reviewing officers provide effective challenge, and their footprint is visible on files.",
    "Care leavers told inspectors that their personal advisers stay in touch and help them with {theme}.",
    "The {role} has driven a culture of learning, and frontline staff are positive about working in {authority}.",
    "Senior leaders and {partner} have invested in {theme}, and the impact is evident in children's records.",
    "Risk to children from {theme} is identified early, and safety plans are reviewed regularly.",
)
IMPROVEMENTS = (
    "The quality of {theme} is too variable, and some children wait too long for help.",
    "Management oversight of {theme} is not consistently recorded on children's files.",
    "Not all strategy meetings include {partner}, which limits the information available to decision-makers.",
    "Return home interviews are not always offered, and too few children take them up.",
    "Audits of {theme} do not always focus on the difference made to children.",
    "Some assessments do not consider the impact of {theme} on children's day-to-day lives.",
    "Workforce instability has led to frequent changes of social worker for {percent}% of children.",
    "Plans for care leavers are not sufficiently specific about {theme}.",
    "Information from {partner} is not always shared quickly enough to inform decisions about {theme}.",
    "Performance information about {theme} is not used well enough to drive improvement.",
    "Too many children experience delay in pre-proceedings, with {percent}% exceeding the expected timescale.",
    "Some children in care do not have an up-to-date health assessment, and oversight of {theme} is weak.",
    "The sufficiency of placements is a continuing challenge, and {percent}% of children live more than 20 miles from home.",
    "Supervision is not always regular, and it does not consistently reflect on children's progress.",
    "Children's records do not always show how their views have informed decisions about {theme}.",
    "The quality of chronologies is variable, and some do not identify patterns of concern.",
    "Partners, including {partner}, have not yet agreed a shared understanding of {theme}.",
)
ACTIONS = (
    "Improve the consistency and quality of {theme}.",
    "Ensure that management oversight of {theme} is recorded and that decisions are clearly explained.",
    "Strengthen the involvement of {partner} in strategy meetings and child protection conferences.",
    "Ensure that all children who go missing are offered a timely return home interview.",
    "Improve the use of performance information and audit to understand the impact of {theme}.",
    "Increase the sufficiency of local placements so that fewer children live far from home.",
    "Ensure that pathway plans for care leavers address {theme}.",
    "Reduce social worker turnover so that children build enduring relationships with their workers.",
)
SUMMARY = (
    "{inspectorates} carried out a {type} of {authority} between {start} and {end}.",
    "This {type} looked at the effectiveness of services for children, with a focus on {theme}.",
    "The overall effectiveness of children's services in {authority} was judged to be {judgement}.",
    "Inspectors spoke to children, families, social workers, managers and {partner}.",
    "Since the previous inspection in {previous}, the local authority has {progress}.",
)
PROGRESS = ("made steady progress", "made significant improvements", "made insufficient progress",
            "sustained good practice", "faced considerable workforce challenges")
HEADINGS = {
    "summary": ("Summary", "Overview", "Headline findings"),
    "strengths": ("Strengths", "What is working well", "What the local authority does well"),
    "improvements": ("Areas for improvement", "What needs to improve", "Areas for development"),
    "actions": ("Actions", "Recommendations", "Next steps"),
}


@dataclass(frozen=True)
class SynthDoc:
    name: str
    text: str
    authority: str
    inspection_type: str
    judgement: str
    date: str
    themes: tuple[str, ...]


def _day(rng: random.Random) -> date:
    return date(2015, 1, 1) + timedelta(days=rng.randrange(0, 10 * 365))


def _long(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _fill(template: str, rng: random.Random, themes: Sequence[str], **fixed: str) -> str:
    values = {
        "theme": rng.choice(themes), "partner": rng.choice(PARTNERS), "percent": str(rng.randrange(8, 96)),
        "months": str(rng.choice((6, 9, 12, 18, 24))), "caseload": str(rng.randrange(12, 31)),
        "progress": rng.choice(PROGRESS), "role": rng.choice(ROLES), **fixed,
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


AREAS = (
    "The impact of leaders on social work practice with children and families",
    "The experiences and progress of children who need help and protection",
    "The experiences and progress of children in care",
    "The experiences and progress of care leavers",
    "Multi-agency safeguarding arrangements",
)


def make_document(index: int, rng: random.Random, size: float = 1.0) -> SynthDoc:
    """One report; `size` scales the number of paragraphs (about 24 chunks of 700 characters at 1.0)."""
    authority = rng.choice(AUTHORITIES)
    inspection_type, inspectorates = rng.choice(INSPECTIONS)
    judgement = rng.choice(JUDGEMENTS)
    themes = tuple(rng.sample(THEMES, 5))
    start = _day(rng)
    end = start + timedelta(days=rng.randrange(2, 12))
    published = end + timedelta(days=rng.randrange(20, 60))
    previous = str(start.year - rng.randrange(2, 5))
    names = ", ".join(inspectorates[:-1]) + (" and " if len(inspectorates) > 1 else "") + inspectorates[-1]
    fixed = {"authority": authority, "type": inspection_type, "judgement": judgement, "inspectorates": names,
             "start": _long(start), "end": _long(end), "previous": previous}
    # Date lines in forms the describer reads (as real reports and news articles state them).
    date_line, stated = rng.choice((
        (f"date {published.isoformat()}", published),
        (f"Published on {_long(published)}", published),
        (f"Inspection dates: {_long(start)} to {_long(end)}", start),
    ))
    title = f"{inspection_type[0].upper()}{inspection_type[1:]} of {authority}"
    lines = [title, "", date_line, ""]

    def paragraph(templates: Sequence[str], sentences: int) -> str:
        chosen = rng.sample(templates, min(sentences, len(templates)))
        return " ".join(_fill(t, rng, themes, **fixed) for t in chosen)

    lines += [rng.choice(HEADINGS["summary"]), "", " ".join(_fill(t, rng, themes, **fixed) for t in SUMMARY), ""]
    scale = max(size, 0.0)
    areas = [a for a in AREAS if rng.random() < 0.8] or [AREAS[0]]
    areas = areas[: max(1, round(len(areas) * scale))]
    for area in areas:
        lines += [area, ""]
        if rng.random() < 0.5:
            grade = rng.choice(JUDGEMENTS)
            lines += [f"Judgement: {grade[0].upper()}{grade[1:]}", ""]
        lines += [rng.choice(HEADINGS["strengths"]), ""]
        for _ in range(rng.randrange(1, 4)):
            lines += [paragraph(STRENGTHS, rng.randrange(2, 6)), ""]
        lines += [rng.choice(HEADINGS["improvements"]), ""]
        for _ in range(rng.randrange(1, 3)):
            lines += [paragraph(IMPROVEMENTS, rng.randrange(2, 5)), ""]
    lines += [rng.choice(HEADINGS["actions"]), ""]
    for number, action in enumerate(rng.sample(ACTIONS, rng.randrange(3, len(ACTIONS) + 1)), start=1):
        lines.append(f"{number}. {_fill(action, rng, themes, **fixed)}")
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    lines += ["", f"{person}, {rng.choice(ROLES)}, said: \"We welcome the findings of this {inspection_type} "
                  f"and will continue to focus on {themes[0]}.\"", ""]
    slug = re.sub(r"[^a-z0-9]+", "-", authority.lower()).strip("-")
    return SynthDoc(
        name=f"report_{index:06d}_{slug}.txt", text="\n".join(lines), authority=authority,
        inspection_type=inspection_type, judgement=judgement, date=stated.isoformat(), themes=themes,
    )


def count_chunks(text: str, chunk_size: int, chunk_overlap: int) -> int:
    """Chunks the assistant's chunker makes of `text` (the same function ingest uses)."""
    from assistant.ingest.chunk import chunk_document
    from assistant.text import clean
    from assistant.core.types import Document

    document = Document(id="synth", source="synth", title="synth", text=clean(text), content_hash="")
    return len(chunk_document(document, chunk_size, chunk_overlap))


def generate(
    folder: Path, chunks: int, seed: int = 0, chunk_size: int = 700, chunk_overlap: int = 150
) -> dict[str, object]:
    """Write documents into `folder` until they hold `chunks` chunks; returns the manifest.

    Existing report_*.txt files in the folder are removed first, so the folder holds exactly this corpus."""
    if chunks < 1:
        raise ValueError("chunks must be at least 1")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("report_*.txt"):
        old.unlink()
    rng = random.Random(seed)
    total = 0
    documents = []
    index = 0
    while total < chunks:
        # The last document is cut down to size so the corpus lands close to the requested count.
        remaining = chunks - total
        doc = make_document(index, rng, size=min(1.0, remaining / 24))
        count = count_chunks(doc.text, chunk_size, chunk_overlap)
        (folder / doc.name).write_text(doc.text, encoding="utf-8")
        documents.append({"file": doc.name, "chunks": count, "authority": doc.authority,
                          "inspection_type": doc.inspection_type, "judgement": doc.judgement, "date": doc.date,
                          "themes": list(doc.themes)})
        total += count
        index += 1
    manifest = {"seed": seed, "requested_chunks": chunks, "chunks": total, "documents": len(documents),
                "chunk_size": chunk_size, "chunk_overlap": chunk_overlap, "files": documents}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


QUESTION_TEMPLATES = (
    "What did inspectors find about {theme} in {authority}?",
    "What was the overall judgement for children's services in {authority}?",
    "What actions were recommended to improve {theme}?",
    "Which inspectorates took part in the {type} of {authority}?",
    "What needs to improve in {theme}?",
    "How well do partners work together on {theme}?",
    "What are social worker caseloads like?",
    "When did the {type} of {authority} take place?",
)


def questions(manifest: dict, count: int, seed: int = 0) -> list[str]:
    """Seeded benchmark questions about the documents in a manifest."""
    rng = random.Random(seed + 1)
    files = manifest["files"]
    result = []
    for _ in range(count):
        doc = rng.choice(files)
        template = rng.choice(QUESTION_TEMPLATES)
        result.append(template.format(theme=rng.choice(doc["themes"]), authority=doc["authority"],
                                      type=doc["inspection_type"]))
    return result
