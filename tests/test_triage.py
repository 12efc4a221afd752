"""tools.triage: the rules find threats, self-harm, doxxing… and leave ordinary disputes alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flaskapp.cli import cli
from tools.triage import (
    CATEGORIES,
    EMERGENCY_CATEGORIES,
    THRESHOLD,
    Finding,
    Verdict,
    classify,
    evaluate,
)
from tools.triage.rules import RuleFileError, RuleScorer, load_language

#: One clear positive per category and language: every category fires everywhere.
POSITIVES = {
    "en": {
        "violence": "If you revert me again I will kill you.",
        "self_harm": "I can't take this anymore, I'm going to kill myself tonight.",
        "terrorism": "We will bomb the Wikimania conference, you have been warned.",
        "doxxing": (
            "Everyone should know: his real name is John Miller, phone number is 555 123 4567"
        ),
        "child_safety": "hi im 12 years old, don't tell your parents we talk ok",
        "harassment": "You are a pathetic idiot, go kill yourself.",
        "legal_threat": "Remove this or I will sue you and the Foundation for defamation.",
    },
    "fr": {
        "violence": "Si tu annules encore ma modification, je vais te tuer.",
        "self_harm": "Je n'en peux plus, je vais me suicider ce soir.",
        "terrorism": "On va faire sauter la mairie pendant la rencontre.",
        "doxxing": "Pour info, son vrai nom est Paul Martin, il habite au 12 rue des Lilas.",
        "child_safety": "j'ai 12 ans et il m'a dit de ne rien dire à tes parents",
        "harassment": "Espèce de connard, va te pendre.",
        "legal_threat": "Je vais porter plainte pour diffamation, mon avocat est saisi.",
    },
    "ar": {
        "violence": "إذا حذفت تعديلي مرة أخرى سأقتلك.",
        "self_harm": "لم أعد أحتمل، سأنتحر الليلة.",
        "terrorism": "سنفجر المؤتمر غدا.",
        "doxxing": "اسمه الحقيقي هو أحمد علي وعنوان منزله في شارع النيل.",
        "child_safety": "عمري 12 سنة وقال لي لا تخبري أهلك.",
        "harassment": "يا حمار، اذهب إلى الجحيم.",
        "legal_threat": "سأرفع عليك دعوى قضائية بتهمة التشهير.",
    },
    "pt": {
        "violence": "Se você reverter de novo eu vou te matar.",
        "self_harm": "Não aguento mais, vou me matar hoje.",
        "terrorism": "Vamos explodir a escola amanhã.",
        "doxxing": "O nome verdadeiro dele é Carlos Souza e ele mora na Rua das Flores 10.",
        "child_safety": "tenho 12 anos, ele disse nosso segredo e me manda fotos",
        "harassment": "Seu idiota, vai tomar no cu.",
        "legal_threat": "Vou processar você por difamação, meu advogado já está preparando.",
    },
}


@pytest.mark.parametrize(
    ("language", "category"),
    [(language, category) for language in POSITIVES for category in CATEGORIES],
)
def test_every_category_fires_in_every_language(language: str, category: str) -> None:
    verdict = classify(POSITIVES[language][category], language)

    scores = {finding.category: finding.score for finding in verdict.findings}
    assert scores.get(category, 0) >= THRESHOLD, verdict


def test_findings_carry_the_phrases_as_written() -> None:
    verdict = classify("Honestly, I\u2019ll KILL you if you touch that page.", "en")

    assert verdict.top is not None
    assert verdict.top.category == "violence"
    # the rule's phrase as the comment wrote it, then the learned layer's words
    assert verdict.top.phrases[0] == "I\u2019ll KILL you"
    assert all(p.startswith("learned: ") for p in verdict.top.phrases[1:])


def test_findings_are_sorted_best_first_and_only_above_zero() -> None:
    verdict = classify("You are an idiot. I will kill you.", "en")

    assert [f.category for f in verdict.findings] == ["violence", "harassment"]
    assert all(f.score > 0 for f in verdict.findings)
    assert verdict.findings[0].score >= verdict.findings[1].score


def test_ordinary_dispute_has_no_finding() -> None:
    verdict = classify(
        "Editor X has reverted my sourced addition to [[Foo]] three times. Please look.", "en"
    )

    assert verdict == Verdict(language="en", findings=())
    assert verdict.top is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I will not kill you, calm down, it's a wiki."),
        ("en", "I'm not going to kill myself, I'm just tired of this edit war."),
        ("fr", "Je ne vais pas te tuer, c'était une blague."),
        ("pt", "Eu não vou te matar, relaxa."),
        ("ar", "لن أقتلك، اهدأ."),
    ],
)
def test_negated_threat_is_not_a_finding(language: str, text: str) -> None:
    assert classify(text, language).findings == ()


def test_condition_before_a_threat_is_not_a_negation() -> None:
    verdict = classify("If you don't stop I'll kill you.", "en")

    assert verdict.top is not None and verdict.top.category == "violence"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Can an admin kill the process that the bot is running?"),
        ("en", "This edit war is killing me, honestly."),
        ("en", "He was blocked for doxxing last year, see the log."),
        ("en", "I'll shoot you an email with the details."),
        ("en", "The article on the 2015 Paris attacks needs better sources."),
        ("fr", "Je vais me tuer à la tâche pour finir cet article."),
        ("fr", "Ce débat me tue, passons à autre chose."),
        ("pt", "Vim só matar a saudade do projeto."),
        ("pt", "Essa guerra de edições está me matando."),
        ("ar", "سأضرب لك مثالا على ذلك."),
        ("ar", "هذا النقاش يقتلني."),
    ],
)
def test_false_friends_are_not_alerts(language: str, text: str) -> None:
    verdict = classify(text, language)
    assert verdict.above() == ()
    # the rules see nothing at all: only the learned layer's dampened guess may remain
    assert all(not f.phrases for f in verdict.findings)


def test_reported_threat_still_counts_but_lower_than_a_direct_one() -> None:
    direct = classify("I will kill you.", "en").top
    reported = classify("He wrote on my talk page: 'I will kill you'.", "en").top
    quoted = classify("\u201cI will kill you\u201d is what he left on my page.", "en").top

    assert direct is not None and reported is not None and quoted is not None
    assert reported.category == quoted.category == "violence"
    assert THRESHOLD <= reported.score < direct.score
    assert quoted.score < direct.score


def test_report_of_a_threat_counts_as_violence() -> None:
    verdict = classify("User:Troll threatened to kill me on IRC yesterday.", "en")

    assert verdict.top is not None and verdict.top.category == "violence"
    assert verdict.top.score >= THRESHOLD


def test_unknown_language_uses_the_english_rules() -> None:
    verdict = classify("I will kill you", "de")

    assert verdict.language == "de"
    assert verdict.top is not None and verdict.top.category == "violence"


def test_regional_variant_uses_its_base_language_rules() -> None:
    verdict = classify("Vou te matar.", "pt-br")

    assert verdict.top is not None and verdict.top.category == "violence"


def test_arabic_with_vowel_marks_and_eastern_digits_is_read() -> None:
    verdict = classify("سَأَقْتُلُكَ", "ar")

    assert verdict.top is not None
    assert verdict.top.category == "violence"
    assert verdict.top.phrases == ("سَأَقْتُلُكَ",)
    child = classify("عمري ١٢ سنة", "ar").top
    assert child is not None and child.category == "child_safety"


def test_emergency_categories_are_categories() -> None:
    assert set(CATEGORIES) >= EMERGENCY_CATEGORIES
    assert 0 < THRESHOLD < 1


def test_evaluation_set_has_every_category_and_hard_negatives_in_every_language() -> None:
    rows = evaluate.examples()

    for language in ("en", "fr", "ar", "pt"):
        mine = [row for row in rows if row.language == language]
        assert len(mine) >= 80, language
        labelled = set().union(*(row.labels for row in mine))
        assert labelled == set(CATEGORIES), language
        assert sum(not row.labels for row in mine) >= 30, language
        # "train" too since the learned layer (issue 16): rows written from real misses
        assert {row.split for row in mine} == {"train", "dev", "test"}
    assert len(rows) >= 400


def test_eval_command_prints_precision_and_recall_per_category_and_language() -> None:
    result = CliRunner().invoke(cli, ["triage", "eval", "--own-only"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Rules and thresholds are tuned on 'dev' only; 'test' is the honest figure." in lines
    dev, test = (lines.index(line) for line in lines if line.startswith("set own, split "))
    assert lines[dev].startswith("set own, split dev: ")
    assert lines[test].startswith("set own, split test: ")
    header = lines[test + 1].split()
    assert header == ["category", "ar", "en", "fr", "pt", "all"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[test + 3 : test + 11]}
    assert set(rows) == {*CATEGORIES, "all"}
    assert all(len(cells) == 10 for cells in rows.values())


def test_eval_command_lists_misses_on_request() -> None:
    result = CliRunner().invoke(
        cli, ["triage", "eval", "--own-only", "--split", "test", "--misses"]
    )

    assert result.exit_code == 0, result.output
    assert "split dev" not in result.output
    assert "  miss [" in result.output


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{ weight = 0.5, pattern = '(kill) you' }", "instead of capturing groups"),
        ("{ weight = 2, pattern = 'kill' }", "weight not in"),
        ("{ weight = 0.5, pattern = '<nowhere> you' }", "<nowhere> is not in [define]"),
        ("{ weight = 0.5, pattern = 'kill (you' }", "violence rule 0"),
    ],
)
def test_a_broken_rule_file_is_refused_with_the_file_and_rule_named(
    tmp_path: Path, rule: str, message: str
) -> None:
    file = tmp_path / "xx.toml"
    file.write_text(
        'language = "xx"\nnegation = "not"\nclause_break = ","\nreported = "said"\n'
        f"[categories.violence]\nrules = [{rule}]\n",
        encoding="utf-8",
    )

    with pytest.raises(RuleFileError, match=r"xx\.toml") as error:
        load_language(file)
    assert message in str(error.value)


def test_rule_file_of_a_new_language_is_used_for_that_language(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(
        'language = "xx"\nnegation = "ne"\nclause_break = ","\nreported = "diris"\n'
        "[categories.violence]\nrules = [{ weight = 0.9, pattern = '\\bmi mortigos vin\\b' }]\n",
        encoding="utf-8",
    )
    scorer = RuleScorer.from_directory(tmp_path)

    verdict = scorer.score("Mi mortigos vin!", "xx")

    assert verdict.findings == (Finding("violence", 0.9, ("Mi mortigos vin",)),)
