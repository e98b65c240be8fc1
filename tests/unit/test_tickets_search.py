"""Search terms: normalisation (case, Spanish accents), ids, stopwords, ranking."""

from __future__ import annotations

from tickets_service.domain import search


def test_normalise_ignores_case_and_accents() -> None:
    assert search.normalise("Iluminación ÁREA Pingüino Ñandú") == "iluminacion area pinguino nandu"


def test_terms_cover_ticket_id_subject_and_description() -> None:
    terms = search.search_terms("LUX-2026-000001", "Falla de Iluminación", "Poste 14 apagado")
    assert {"lux-2026-000001", "lux", "2026", "000001"} <= set(terms)
    assert {"falla", "iluminacion", "poste", "14", "apagado"} <= set(terms)
    assert "de" not in terms  # stopword
    assert terms == sorted(set(terms))


def test_query_terms_are_normalised_and_deduplicated() -> None:
    assert search.query_terms("ILUMINACIÓN  iluminacion de la Calle") == ["iluminacion", "calle"]
    assert search.query_terms("de la y") == []
    assert search.query_terms("lux-2026-000007")[0] == "lux-2026-000007"


def test_score_counts_matched_query_words() -> None:
    terms = search.search_terms("LUX-2026-000001", "Luminaria apagada", "calle principal")
    query = search.query_terms("luminaria calle norte")
    assert search.score(terms, query) == 2
    assert search.score(terms, search.query_terms("norte")) == 0


def test_exact_ticket_id_outranks_tickets_sharing_its_parts() -> None:
    one = search.search_terms("LUX-2026-000001", "a", "b")
    two = search.search_terms("LUX-2026-000002", "a", "b")
    query = search.query_terms("LUX-2026-000001")
    assert search.score(one, query) > search.score(two, query)
