"""`support list --search`: Ukrainian words in any form, hostile queries, and who finds what."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.search import fts_terms
from tests.conftest import Home

STAFF = ("--as", "agent@example.com")


def found(home: Home, who: tuple[str, ...], query: str, *extra: str) -> list[int]:
    return [t["number"] for t in home.ok(*who, "list", "--search", query, "--json", *extra).json()]


@pytest.fixture
def tickets(team: Home) -> dict[str, int]:
    made = {
        "password": team.create(
            "olena@example.com", "Не приходить лист для скидання пароля", "Пробувала двічі."
        ),
        "withdraw": team.create(
            "olena@example.com", "Вивід коштів", "Транзакція 0xabc123 зависла. Паролем не допомогло."
        ),
        "english": team.create(
            "bob@example.com", "Cannot reset my password", "The reset e-mail never arrives."
        ),
        "guest": team.create(None, "Рахунок заблоковано", "Після зміни пароля.", guest_email="g@example.net"),
    }
    team.ok(
        *STAFF, "reply", str(made["english"]), "--internal", "--body", "Підозра на шахрайство, перевірити"
    )
    return made


def test_ukrainian_words_in_any_form_and_any_case(team: Home, tickets: dict[str, int]) -> None:
    expected = {tickets["password"], tickets["withdraw"], tickets["guest"]}
    for query in ("пароль", "паролем", "ПАРОЛЯ", "Пароль"):
        assert set(found(team, STAFF, query)) == expected, query
    assert found(team, STAFF, "транзакції") == [tickets["withdraw"]]
    assert found(team, STAFF, "0xabc123") == [tickets["withdraw"]]
    assert found(team, STAFF, "коштів вивід") == [tickets["withdraw"]]  # every word, any order
    assert found(team, STAFF, "пароль вивід") == [tickets["withdraw"]]


def test_search_combines_with_filters_and_ranks(team: Home, tickets: dict[str, int]) -> None:
    team.ok(*STAFF, "status", str(tickets["password"]), "resolved")
    assert found(team, STAFF, "пароль", "--open") == sorted(
        [tickets["withdraw"], tickets["guest"]], key=lambda n: found(team, STAFF, "пароль").index(n)
    )
    assert found(team, STAFF, "пароль", "--closed") == [tickets["password"]]
    assert found(team, STAFF, "пароль", "--requester", "g@example.net") == [tickets["guest"]]
    assert found(team, STAFF, "пароль", "--limit", "1") == found(team, STAFF, "пароль")[:1]
    assert found(team, STAFF, "reset password") == [tickets["english"]]
    assert found(team, STAFF, "passwords") == [tickets["english"]]


def test_customers_find_only_their_own_and_never_through_internal_notes(
    team: Home, tickets: dict[str, int]
) -> None:
    assert set(found(team, ("--as", "olena@example.com"), "пароль")) == {
        tickets["password"],
        tickets["withdraw"],
    }
    assert found(team, ("--as", "bob@example.com"), "пароль") == []
    assert found(team, ("--as", "bob@example.com"), "reset") == [tickets["english"]]
    assert found(team, ("--as", "bob@example.com"), "шахрайство") == []  # only in an internal note
    assert found(team, STAFF, "шахрайство") == [tickets["english"]]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "pass*",
        "-password",
        "NEAR(a b)",
        "a OR b",
        "((( x",
        "AND",
        "NOT x",
        "subject:пароль",
        "^start",
        "a + b",
        "{x}",
        "пароль\x00",
        "'; DROP TABLE tickets; --",
        "пароль" * 200,
        "x " * 500,
    ],
)
def test_hostile_queries_never_error(team: Home, tickets: dict[str, int], query: str) -> None:
    result = team.run(*STAFF, "list", "--search", query, "--json")
    assert result.exit_code == 0, result.stderr
    assert isinstance(result.json(), list)
    assert team.count("tickets") == 4


@pytest.mark.parametrize("query", ["", "   ", "()", '"*"', "---", '"', "*", "(((", ")"])
def test_queries_without_words_are_usage_errors(team: Home, query: str) -> None:
    result = team.refused(2, *STAFF, "list", "--search", query)
    assert result.stderr == "Error: the search has no words to look for\n"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_text_makes_a_valid_query_or_a_clear_refusal(text: str) -> None:
    import sqlite3

    from store.errors import UsageError

    cx = sqlite3.connect(":memory:")
    cx.execute("CREATE VIRTUAL TABLE f USING fts5(body)")
    cx.execute("INSERT INTO f VALUES ('пароль password')")
    try:
        terms = fts_terms(text)
    except UsageError:
        return
    for term in terms:
        cx.execute("SELECT rowid FROM f WHERE f MATCH ?", (term,)).fetchall()
