"""Full-text search: the user's words, made into an FTS5 query that can never be a syntax error.

SQLite's unicode61 tokenizer folds case (Cyrillic too) but knows no word forms, so each word
is cut to a light stem and matched as a prefix: `паролем`, `пароля` and `пароль` all become
`парол*`, which finds every form. Crude next to a real stemmer, and it finds a few words it
should not (`код*` also matches `кодування`); for a support desk, recall matters more.
"""

from __future__ import annotations

import re

from store.errors import UsageError

_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_WORDS = 16
MIN_STEM = 4
# Ukrainian inflectional endings, longest first.
_UK_ENDINGS = sorted(
    """ією ами ями ого ому ими ців ові еві ах ях ії ія ію ам ям ом ем ою ею ий ій их іх ім ої ів
    ти ть ся а я о е у ю і ї є и ь й""".split(),
    key=len,
    reverse=True,
)
_EN_ENDINGS = ("ing", "es", "ed", "s")


def stem(word: str) -> str:
    word = word.lower()
    endings = _UK_ENDINGS if _CYRILLIC.search(word) else _EN_ENDINGS
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def fts_terms(text: str) -> list[str]:
    """One FTS5 term per word of the user's text, each a quoted prefix.

    Quotes, `*`, `-`, `NEAR`, `AND`, parentheses: all are just words or separators here,
    because every word is passed as a quoted FTS5 string.
    """
    words = list(dict.fromkeys(stem(word) for word in _WORD.findall(text)))[:MAX_WORDS]
    if not words:
        raise UsageError("the search has no words to look for")
    return [f'"{word}"*' for word in words]


def matching_tickets_sql(terms: list[str], staff: bool) -> tuple[str, list[str]]:
    """A CTE `best(number, score)`: tickets whose visible text has every term somewhere
    (subject or any message), best bm25 first. Internal notes count for staff only, so a
    customer cannot learn of a note even through which of their tickets match."""
    internal = "" if staff else " AND m.internal = 0"
    parts, params = [], []
    for index, term in enumerate(terms):
        parts.append(f"SELECT rowid, {index}, bm25(tickets_fts) FROM tickets_fts WHERE tickets_fts MATCH ?")
        parts.append(
            f"SELECT m.ticket, {index}, bm25(messages_fts) FROM messages_fts"
            f" JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?{internal}"
        )
        params += [term, term]
    sql = (
        f"WITH hits (number, word, score) AS ({' UNION ALL '.join(parts)}),"
        " per_word AS (SELECT number, word, MIN(score) AS score FROM hits GROUP BY number, word),"
        " best AS (SELECT number, SUM(score) AS score FROM per_word"
        f" GROUP BY number HAVING COUNT(*) = {len(terms)}) "
    )
    return sql, params
