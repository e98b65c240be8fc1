"""Telling the same problem apart: Spanish stems, place, kinds of fault, and the labelled set's
precision and recall (the targets the bench reports)."""

from __future__ import annotations

from bench.similar import TARGET_PRECISION, TARGET_RECALL, quality
from tickets_service.domain import similar
from uts_shared.contracts.config import SimilarTickets

RULES = SimilarTickets()


def _profile(text: str, point: tuple[float, float] | None = None, at: str = "x") -> similar.Profile:
    return similar.Profile(at, frozenset(similar.stems(text)), point)


def test_stems_fold_accents_drop_stop_words_and_join_word_forms() -> None:
    assert similar.stems("Las luminarias están apagadas") == similar.stems("luminaria apagada")
    assert "la" not in similar.stems("la lámpara")
    assert similar.stems("Iluminación") == similar.stems("iluminacion")


def test_the_same_place_in_other_words_is_the_same_problem() -> None:
    a = _profile("La lámpara no prende en Zaragoza esquina Allende", at="a")
    b = _profile("Poste sin luz, todo oscuro en calle Zaragoza y Allende", at="b")
    match = similar.compare(a, b, RULES)
    assert match is not None
    assert {"zaragoz", "allend"} <= set(match.words)


def test_the_same_words_somewhere_else_or_another_fault_are_not() -> None:
    here, far = (19.4326, -99.1332), (19.4426, -99.1332)  # about a kilometre apart
    a = _profile("Poste sin luz en Zaragoza", here, at="a")
    assert similar.compare(a, _profile("Poste sin luz en Zaragoza", far, at="b"), RULES) is None
    cable = _profile("Cable caído en Zaragoza esquina Allende", at="c")
    dark = _profile("Lámpara apagada en Zaragoza esquina Allende", at="d")
    assert similar.compare(cable, dark, RULES) is None


def test_coordinates_within_the_radius_need_few_words_in_common() -> None:
    a = _profile("Sin luz, el foco no sirve", (19.43260, -99.13320), at="a")
    b = _profile("Poste sin luz", (19.43300, -99.13300), at="b")
    match = similar.compare(a, b, RULES)
    assert match is not None and match.distance_m is not None and match.distance_m < 150
    narrow = RULES.model_copy(update={"radius_meters": 20})
    assert similar.compare(a, b, narrow) is None


def test_the_labelled_reports_meet_the_precision_and_recall_targets_offline() -> None:
    measured = quality()
    assert measured.pairs > 20_000  # at least 200 reports, every pair
    assert measured.precision >= TARGET_PRECISION, measured
    assert measured.recall >= TARGET_RECALL, measured


def _meant(
    text: str, vector: tuple[float, ...], at: str, point: tuple[float, float] | None = None
) -> similar.Profile:
    return similar.Profile(at, frozenset(similar.stems(text)), point, vector=vector)


def test_reports_close_in_meaning_are_alike_in_other_words() -> None:
    a = _meant("Se fundió la lámpara del parque Morelos", (0.9, 0.1, 0.0), at="a")
    b = _meant("Oscuridad total junto a los columpios", (0.88, 0.14, 0.02), at="b")
    match = similar.compare(a, b, RULES)
    assert match is not None and match.meaning is not None and match.meaning > 0.99
    assert match.score == match.meaning
    apart = _meant("Oscuridad total junto a los columpios", (0.1, 0.9, 0.3), at="c")
    assert similar.compare(a, apart, RULES) is None
    assert similar.compare(a, b, RULES.model_copy(update={"min_meaning_score": 1.0})) is None


def test_meaning_never_joins_reports_far_apart_or_of_another_fault() -> None:
    here, far = (19.4326, -99.1332), (19.4426, -99.1332)
    same = (1.0, 0.0)
    a = _meant("Lámpara apagada", same, at="a", point=here)
    assert similar.compare(a, _meant("Foco fundido", same, at="b", point=far), RULES) is None
    cable = _meant("Cable caído", same, at="c")
    assert similar.compare(_meant("Lámpara apagada", same, at="d"), cable, RULES) is None


def test_embeddings_of_another_length_are_not_compared() -> None:
    assert similar.cosine((1.0, 0.0), (1.0, 0.0, 0.0)) is None
    assert similar.cosine((0.0, 0.0), (1.0, 0.0)) is None
    assert similar.cosine((1.0, 0.0), (0.0, 2.0)) == 0.0
