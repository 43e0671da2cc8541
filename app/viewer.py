"""Viewer mode (``corpus-compass serve --viewer``): a dashboard that only shows saved analyses.

The command line sets ``CORPUS_COMPASS_VIEWER=1``. The dashboard then registers only the pages that
show an analysis (Map, Compare, Geometry, Models, Word shift, Report), and only once a
``?analysis=<id>`` link has opened one; without a link it shows a landing page that says what the
server is and lists nothing (ids are unguessable). No page offers an upload, the sample corpora or a
run, and no embedding model is ever loaded (``app.cache.embedder`` refuses). The texts of the pages
that say why a link cannot be opened (malformed, unknown, expired, deleted) live here too, so the
authoring dashboard and the viewer say the same thing.
"""

from __future__ import annotations

import datetime as dt
import os

VIEWER_ENV = "CORPUS_COMPASS_VIEWER"
#: the viewer's public address (``https://view.example.org``), set on the authoring dashboard: its
#: "Save and share" links then point to the viewer instead of to the authoring server
VIEWER_URL_ENV = "CORPUS_COMPASS_VIEWER_URL"


def viewer_mode() -> bool:
    """True when this server is a viewer (``CORPUS_COMPASS_VIEWER`` is 1, true or yes)."""
    return os.environ.get(VIEWER_ENV, "").strip().lower() in {"1", "true", "yes"}


def viewer_url() -> str | None:
    """The viewer's address without a trailing slash (``CORPUS_COMPASS_VIEWER_URL``), or None."""
    url = os.environ.get(VIEWER_URL_ENV, "").strip().rstrip("/")
    return url if url.startswith(("http://", "https://")) else None


def _date(moment: object) -> str:
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.timezone.utc)
        return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
    return "an earlier date"


def _ask() -> str:
    if viewer_mode():
        return "Ask the person who shared it for a new link."
    return ("Ask the person who shared it for a new link, or for the analysis bundle (.zip), which you can "
            "open on the Report page.")


def invalid_link() -> tuple[str, str]:
    tail = "" if viewer_mode() else ", or start a new analysis"
    return ("This analysis link is not valid",
            ("The address does not contain a valid analysis id. Copy the whole link you were given (it "
             f"ends in `?analysis=` followed by an id of 32 letters, digits, '-' and '_'){tail}."))


def unknown_link() -> tuple[str, str]:
    return ("This analysis was not found",
            ("No saved analysis has this id on this server: the link may have been cut short, or it comes "
             f"from another Corpus Compass installation. {_ask()}"))


def expired_link(expired: object) -> tuple[str, str]:
    return ("This analysis link has expired",
            (f"The analysis was shared until {_date(expired)}; after that its link stops working and the "
             f"analysis is removed from this server. {_ask()}"))


def deleted_link(deleted: object) -> tuple[str, str]:
    return ("This analysis was deleted",
            f"The analysis this link pointed to was deleted from this server on {_date(deleted)}. {_ask()}")


def unreadable_link() -> tuple[str, str]:
    return ("This analysis cannot be opened",
            ("The saved analysis exists but could not be read (the file is damaged or was written by a "
             "newer version of Corpus Compass)."))


LANDING_TITLE = "Shared analyses"
LANDING_TEXT = (
    "This server shows analyses made with Corpus Compass, a tool that compares collections of texts. "
    "Open one with the link you were given: it ends in `?analysis=` followed by a long code. Each analysis "
    "opens read-only, with its map, comparison, geometry, model comparison, word shifts and downloads; "
    "nothing can be uploaded, changed or recomputed here.\n\n"
    "No list of analyses is shown: each one can be opened only with its own link, so ask the person who "
    "made the analysis for it."
)
