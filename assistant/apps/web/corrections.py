"""The Library's correction form: a user sets a report's authority, inspection type, date or judgement.

No gradio here (tests call it directly); the correction itself is Assistant.correct."""

import logging
from typing import Any

from assistant.apps.web.labels import one_line
from assistant.core.errors import AssistantError

log = logging.getLogger(__name__)

# (label, field) for the form's dropdown, in the order the Library table shows the fields.
FIELD_CHOICES = [("Authority", "authority"), ("Inspection type", "inspection_type"), ("Date", "date"),
                 ("Judgement", "judgement")]
VALUE_HINT = ("Authority: a council's name. Date: YYYY, YYYY-MM or YYYY-MM-DD. Judgement: outstanding, good, "
              "requires improvement, inadequate, effective (or a Scottish grade), or none for an ungraded visit. "
              "Empty: undo the field's correction.")


def correct_report(helper: Any, doc_id: str | None, field: str | None, value: str | None) -> str:
    """Apply one correction; the one-line message to show (what is stored now, or why nothing changed)."""
    if not doc_id:
        return "Choose a report to correct."
    if not field:
        return "Choose the field to correct."
    cleared = not (value or "").strip()  # an empty value undoes the field's correction
    try:
        document = helper.correct(doc_id, field, None if cleared else value)
    except AssistantError as exc:
        return f"Not corrected: {one_line(exc)}"
    except Exception as exc:  # never a traceback in the page; the log keeps it
        log.exception("correction failed")
        return f"Not corrected: something went wrong ({one_line(exc)})"
    label = dict((f, name) for name, f in FIELD_CHOICES)[field].lower()
    if cleared:
        return (f"No correction of the {label} of “{document.title}” now: it is "
                f"{document.metadata.get(field, 'unknown')}, as read from its text.")
    return (f"Corrected the {label} of “{document.title}” to {document.metadata[field]}; "
            "it is kept when the report is indexed again.")
