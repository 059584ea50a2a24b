"""Full-text search over subjects and messages, fast at millions of messages.

The index holds word stems, not words: each word of a subject or message is lower-cased and
cut to a light stem (`паролем`, `пароля`, `пароль` -> `парол`) before FTS5 indexes it, and a
query's words get the same treatment, so word forms match with plain term look-ups. The
obvious alternatives were measured at 100k tickets and rejected: FTS5 prefix queries
(`"пароль"*`) took seconds once combined with rowid filters, and bm25 ranking reads every
posting of a common word (about 1 us each, so seconds at 5M messages).

So ranking is simple and cheap: tickets whose subject has more of the words come first,
then the newest activity. Common words are looked up among their most recent RECENT
postings ("rank among recent matches"); a word with fewer postings than that is looked up
completely, so rare words (ids, names) always find every ticket.

Every query word becomes a quoted FTS5 string of one token: quotes, `*`, `-`, `NEAR`,
parentheses are never syntax.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from store.errors import UsageError

_TOKEN = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer calls a token
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_WORDS = 16
MIN_STEM = 4
RECENT = 5000  # postings per word looked at, newest first, for words more common than this
CHECK_AT_MOST = 100  # newest tickets checked one by one (by rowid) for the other words
SCOPE_MESSAGES = 500  # newest messages looked at when checking tickets one by one
# Ukrainian inflectional endings, longest first.
_UK_ENDINGS = sorted(
    """ією ами ями ого ому ими ців ові еві ах ях ії ія ію ам ям ом ем ою ею ий ій их іх ім ої ів
    ти ть ся а я о е у ю і ї є и ь й""".split(),
    key=len,
    reverse=True,
)
_EN_ENDINGS = ("ing", "es", "ed", "s")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    word = word.lower()
    endings = _UK_ENDINGS if _CYRILLIC.search(word) else _EN_ENDINGS
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def index_words(text: str) -> str:
    """What goes into the index for `text`: its words' stems, in order."""
    return " ".join(stem(token) for token in _TOKEN.findall(text.lower()))


def fts_terms(query: str) -> list[str]:
    """One quoted FTS5 term per distinct word stem of the user's query."""
    stems = list(dict.fromkeys(stem(token) for token in _TOKEN.findall(query.lower())))[:MAX_WORDS]
    if not stems:
        raise UsageError("the search has no words to look for")
    return [f'"{s}"' for s in stems]


def _marks(values: list[int]) -> str:
    return ",".join("?" * len(values))


def recent_matches(
    cx: sqlite3.Connection, terms: list[str], staff: bool, allowed: set[int] | None
) -> tuple[dict[int, int], bool]:
    """Tickets having every term somewhere (subject or any visible message), mapped to how
    many terms their subject has, and whether the answer is complete.

    Each term is looked up among its RECENT newest postings. A term with fewer postings than
    that was looked up completely, so every ticket with all terms is among its tickets: those
    are checked for the other terms, and the answer is complete. `allowed` limits the answer
    to a customer's, a guest's or one requester's tickets.
    """
    internal = "" if staff else " AND m.internal = 0"
    per_term: list[set[int]] = []
    in_subject: list[set[int]] = []
    complete: list[bool] = []
    for term in terms:
        subjects = [
            r[0]
            for r in cx.execute(
                "SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                (term, RECENT),
            )
        ]
        bodies = [
            r[0]
            for r in cx.execute(
                "SELECT m.ticket FROM messages_fts f JOIN messages m ON m.id = f.rowid"
                f" WHERE messages_fts MATCH ?{internal} ORDER BY f.rowid DESC LIMIT ?",
                (term, RECENT),
            )
        ]
        found = set(subjects) | set(bodies)
        per_term.append(found if allowed is None else found & allowed)
        in_subject.append(set(subjects))
        complete.append(len(subjects) < RECENT and len(bodies) < RECENT)
    found = set.intersection(*per_term)
    if any(complete):
        rarest = min((i for i, c in enumerate(complete) if c), key=lambda i: len(per_term[i]))
        unchecked = sorted(per_term[rarest] - found)[-CHECK_AT_MOST:]
        found |= set(search_tickets(cx, terms, unchecked, staff))
    return {number: sum(number in s for s in in_subject) for number in found}, any(complete)


def search_tickets(
    cx: sqlite3.Connection, terms: list[str], numbers: list[int], staff: bool
) -> dict[int, int]:
    """Tickets among `numbers` having every term, looked up by rowid (cheap for exact terms);
    internal notes count for staff only, so nobody learns of a note through a match."""
    if not numbers:
        return {}
    internal = "" if staff else " AND internal = 0"
    messages = dict(
        cx.execute(
            f"SELECT id, ticket FROM messages WHERE ticket IN ({_marks(numbers)}){internal}"
            " ORDER BY id DESC LIMIT ?",
            (*numbers, SCOPE_MESSAGES),
        ).fetchall()
    )
    ids = list(messages)
    found: set[int] | None = None
    subject_hits: dict[int, int] = {}
    for term in terms:
        subjects = {
            r[0]
            for r in cx.execute(
                f"SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid IN ({_marks(numbers)})",
                (term, *numbers),
            )
        }
        bodies = (
            {
                messages[r[0]]
                for r in cx.execute(
                    f"SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid IN ({_marks(ids)})",
                    (term, *ids),
                )
            }
            if ids
            else set()
        )
        for number in subjects:
            subject_hits[number] = subject_hits.get(number, 0) + 1
        hits = subjects | bodies
        found = hits if found is None else found & hits
        if not found:
            return {}
    return {number: subject_hits.get(number, 0) for number in found or ()}
