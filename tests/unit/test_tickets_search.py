"""Search terms: normalisation (case, Spanish accents), ids and numbers, phones, names and
addresses, stopwords, phrases."""

from __future__ import annotations

from tickets_service.domain import search


def test_normalise_ignores_case_and_accents() -> None:
    assert search.normalise("Iluminación ÁREA Pingüino Ñandú") == "iluminacion area pinguino nandu"


def test_terms_cover_ticket_id_subject_and_description() -> None:
    terms = search.search_terms("LUX-2026-000001", "Falla de Iluminación", "Poste 14 apagado")
    assert {"lux-2026-000001", "lux", "2026", "1"} <= set(terms)  # numbers without zeros
    assert {"falla", "iluminacion", "poste", "14", "apagado"} <= set(terms)
    assert "de" not in terms  # stopword
    assert terms == sorted(set(terms))


def test_query_terms_are_normalised_and_deduplicated() -> None:
    assert search.query_terms("ILUMINACIÓN  iluminacion de la Calle") == ["iluminacion", "calle"]
    assert search.query_terms("de la y") == []
    assert search.query_terms("lux-2026-000007") == ["lux-2026-000007"]


def test_a_ticket_is_found_by_its_number_without_zeros_and_by_its_beginning() -> None:
    terms = set(search.search_terms("LUX-2026-000142", "Poste", "Sin luz"))
    assert {"142", "14"} <= terms
    assert search.query_terms("142") == ["142"]
    assert search.query_terms("000142") == ["142"]


def test_a_ticket_is_found_by_its_customers_name_phone_digits_and_address() -> None:
    ticket = search.Searchable(
        "LUX-2026-000142",
        "Poste apagado",
        "Sin luz",
        address="Av. Juárez 14",
        customer_name="María López",
        phone="+52 1 55 1000 1476",
    )
    terms = set(ticket.terms())
    assert {"maria", "lopez", "juarez", "av"} <= terms
    assert {"1476", "10001476", "5215510001476"} <= terms
    assert "476" not in terms  # fewer than four digits say too little
    assert search.query_terms("+52 1 55 1000 1476") == ["5215510001476"]
    assert search.query_terms("1000-1476") == ["10001476"]


def test_a_quoted_phrase_needs_its_words_together_and_in_order() -> None:
    texts = ["Poste 014 apagado", "La luz de la calle Juárez"]
    together = search.parse('"poste 14" apagado')
    assert together.terms == ("poste", "14", "apagado")
    assert together.matches(texts)
    assert search.parse('"luz calle"').matches(texts)  # stopwords between do not separate
    assert not search.parse('"14 poste"').matches(texts)
    assert not search.parse('"apagado luz"').matches(texts)  # not across two texts


def test_score_counts_matched_query_words() -> None:
    terms = search.search_terms("LUX-2026-000001", "Luminaria apagada", "calle principal")
    query = search.query_terms("luminaria calle norte")
    assert search.score(terms, query) == 2
    assert search.score(terms, search.query_terms("norte")) == 0


def test_a_customer_is_found_by_each_beginning_of_a_name_an_email_or_phone_digits() -> None:
    terms = set(search.customer_terms("María José", "Núñez", "MJ.Nunez@Correo.mx", "+525510001476"))
    assert {"ma", "mar", "mari", "maria", "jo", "jose", "nu", "nunez"} <= terms
    assert {"mj.nunez@correo.mx", "correo", "1476", "5510001476"} <= terms
    assert "m" not in terms
