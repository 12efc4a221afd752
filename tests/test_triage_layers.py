# ruff: noqa: RUF001  (Arabic and full-width letters are the point)
"""Issue 16: the triage catches threats outside the phrase lists, names personal data,
learns from real labelled comments and says why a learned alert fired."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from flaskapp.cli import cli
from tools.triage import CATEGORIES, THRESHOLD, classify, detectors, evaluate, training
from tools.triage.combine import LEARNED
from tools.triage.data import real_rows, split_of
from tools.triage.learned import LearnedModel
from tools.triage.normalise import normalise


def flagged(text: str, language: str) -> set[str]:
    return {finding.category for finding in classify(text, language).above()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i will k1ll y0u", "i will kill you"),
        ("K I L L you", "kill you"),
        ("kiiiiill ｙｏｕ", "kill you"),
        ("سَأَقْتُلُكَ ـــ يا إبراهيم", "ساقتلك يا ابراهيم"),
        ("Tu vas MOURIR à 10h", "tu vas mourir a 10h"),
        ("I'll SH**T you, you st*pid c*nt", "i'll shoot you, you st*pid cunt"),
        ("vou te m*tar", "vou te matar"),
        ("je vais te t*er", "je vais te tuer"),
        ("files *.txt, 5*3, a*b and R*ck", "files *.txt, 5*3, a*b and r*ck"),
    ],
)
def test_obfuscated_text_is_read_as_plain_words(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'll put a bullet in you if you show up at the meetup."),
        ("en", "Keep reverting and I will kick your teeth in."),
        ("en", "i will k1ll y0u"),
        ("en", "Your kids go to Lincoln Elementary, right? It'd be a shame if something happened."),
        ("fr", "Je vais te planter un couteau dans le ventre."),
        ("fr", "Je vais brûler ta maison."),
        ("pt", "Vou te dar um tiro na cara."),
        ("pt", "Vou queimar tua casa."),
        ("ar", "والله لأذبحك يا كلب."),
        ("ar", "هقتلك لو رجعت التعديل ده تاني"),
    ],
)
def test_threats_outside_the_phrase_lists_are_caught(language: str, text: str) -> None:
    assert "violence" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm going to kill you lol 😂 jk, great edit mate"),
        ("fr", "Je vais te tuer à coups de chouquettes 😄 bravo pour l'article !"),
        ("pt", "Vou te matar kkkkk brincadeira, ficou ótimo o artigo"),
        ("en", "I will end this discussion now, you are simply wrong about the source."),
    ],
)
def test_jokes_and_figures_of_speech_are_not_alerts(language: str, text: str) -> None:
    assert "violence" not in flagged(text, language)


def test_doxxing_finding_says_what_personal_data_it_saw() -> None:
    text = "His name is Daniel Roberts, he lives at 42 Oak Avenue. Call him on (217) 555-0143."
    finding = next(f for f in classify(text, "en").above() if f.category == "doxxing")

    assert "phone number: (217) 555-0143" in finding.phrases
    assert "street address: 42 Oak Avenue" in finding.phrases


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Il habite 14 avenue Victor Hugo, son numéro c'est le 06 12 34 56 78."),
        ("pt", "Ele mora na Rua Augusta 1500, telefone (11) 98765-4321."),
        ("ar", "يسكن في 15 شارع الجمهورية، رقم هاتفه 01001234567."),
    ],
)
def test_phone_numbers_and_addresses_are_found_in_every_language(language: str, text: str) -> None:
    finding = detectors.doxxing(text, language)

    assert finding is not None and finding.score >= THRESHOLD
    kinds = {phrase.split(":")[0] for phrase in finding.phrases}
    assert kinds == {"phone number", "street address"}


def test_a_public_number_or_an_ip_address_is_not_doxxing() -> None:
    assert detectors.doxxing("Blocked 134.226.1.194 for a week.", "en") is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "you said you're in year 7, which school do you go to? send me a pic"),
        ("fr", "t'es en 6ème ? envoie-moi une photo de toi et ajoute-moi sur snap"),
        ("pt", "vc tem 12 anos? me manda uma foto e me chama no zap"),
        ("ar", "كم عمرك؟ أنت في الصف السادس؟ أرسلي لي صورتك على الواتساب."),
    ],
)
def test_a_minors_age_next_to_a_request_for_photos_is_grooming(language: str, text: str) -> None:
    assert "child_safety" in flagged(text, language)


def test_an_age_without_a_request_is_not_grooming() -> None:
    assert detectors.grooming("I was 12 when I started editing, kids can do well.", "en") is None


def test_split_of_a_row_is_fixed_by_its_key() -> None:
    splits = [split_of(f"row-{n}") for n in range(2000)]

    assert splits == [split_of(f"row-{n}") for n in range(2000)]
    assert 0.6 < splits.count("train") / 2000 < 0.8
    assert splits.count("dev") > 200 and splits.count("test") > 200


def _write(file: Path, header: list[str], rows: list[list[object]]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    """A tiny data folder shaped like the real one (two of its sets)."""
    threats = ["i will find you and hurt you", "you will die soon", "i'll smash your face"]
    insults = ["you are a stupid moron", "shut up you idiot", "what a pathetic loser"]
    clean = ["thanks for the fix", "see the talk page", "the source is reliable", "nice work"]
    rows = []
    for n in range(60):
        rows.append([f"t{n}", f"{threats[n % 3]} number {n}", 1, 0, 0, 1, 0, 0])
        rows.append([f"i{n}", f"{insults[n % 3]} number {n}", 1, 0, 0, 0, 1, 0])
        rows.append([f"c{n}", f"{clean[n % 4]} number {n}", 0, 0, 0, 0, 0, 0])
    header = ["id", "comment_text", "toxic", "severe_toxic", "obscene", "threat", "insult"]
    _write(tmp_path / "jigsaw_wiki_talk_en" / "comments.csv", [*header, "identity_hate"], rows)
    told = [[f"seu idiota burro {n}", 0, 0, 3, 0, 0, 0] for n in range(30)]
    told += [[f"bom dia pessoal {n}", 0, 0, 0, 0, 0, 0] for n in range(30)]
    told_header = ["text", "homophobia", "obscene", "insult", "racism", "misogyny", "xenophobia"]
    _write(tmp_path / "told_br_pt" / "ToLD-BR.csv", told_header, told)
    return tmp_path


def test_real_sets_are_read_into_our_categories(data_folder: Path) -> None:
    rows = real_rows(data_folder)

    jigsaw = [row for row in rows if row.source == "jigsaw"]
    assert sum("violence" in row.labels for row in jigsaw) == 60
    assert sum("harassment" in row.labels for row in jigsaw) == 60
    told = [row for row in rows if row.source == "told_br"]
    assert sum(row.labels == {"harassment"} for row in told) == 30


def test_train_builds_a_small_model_with_its_data_card(data_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "model" / "triage.npz"
    result = CliRunner().invoke(
        cli, ["triage", "train", "--data", str(data_folder), "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert output.stat().st_size < 5_000_000
    card = (output.parent / "DATA_CARD.md").read_text(encoding="utf-8")
    assert "CC BY-SA 3.0" in card and "| jigsaw |" in card and "set jigsaw, split test" in card
    model = LearnedModel.load(output)
    # the real sets and the written comments teach every category; none only supports
    assert set(model.models) == set(CATEGORIES)
    assert model.meta["supporting"] == [] and "own" not in model.meta["learns_from"]
    threat, clean = model.probabilities(
        ["i will find you and hurt you", "thanks for the fix"], ["en", "en"]
    )
    assert threat["violence"] > 0.5 > clean["violence"]
    assert "hurt" in model.explain("i will find you and hurt you", "en", "violence", top=3)


def test_train_without_the_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["triage", "train", "--data", str(tmp_path / "nowhere")])

    assert result.exit_code != 0
    assert "triage data folder not found" in result.output


def test_eval_reports_each_real_set_separately(data_folder: Path) -> None:
    result = CliRunner().invoke(cli, ["triage", "eval", "--data", str(data_folder)])

    assert result.exit_code == 0, result.output
    for name in ("own", "jigsaw", "told_br"):
        assert f"set {name}, split test:" in result.output
    assert "Learned-layer thresholds (chosen on dev):" in result.output


def test_a_learned_alert_says_which_words_fired_it() -> None:
    text = "nobody wants your ugly face here, you pathetic disgusting pig"
    verdict = classify(text, "en")

    learned = [f for f in verdict.above() if any(p.startswith(LEARNED) for p in f.phrases)]
    assert learned, verdict
    words = [p.split(": ", 1)[1] for p in learned[0].phrases if p.startswith(LEARNED)]
    assert all(word in text for word in words)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I won't be around after tonight, please look after the articles I started."),
        ("fr", "J'ai mis de côté les cachets, ce soir j'en finis. Adieu à tous."),
        ("pt", "Já separei os remédios. Adeus a todos, obrigado por tudo."),
        ("ar", "هذا آخر تعديل لي، لن أكون هنا بعد الليلة."),
    ],
)
def test_a_farewell_is_read_as_self_harm(language: str, text: str) -> None:
    assert "self_harm" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Our client intends to commence proceedings unless the page is removed."),
        ("fr", "Vous recevrez sous peu une mise en demeure de notre cabinet d'avocats."),
        ("pt", "O meu cliente irá intentar uma ação judicial contra V. Exa."),
        ("ar", "سيتخذ موكلي جميع الإجراءات القانونية ضدكم أمام المحاكم."),
    ],
)
def test_a_legal_threat_in_a_lawyers_register_is_caught(language: str, text: str) -> None:
    assert "legal_threat" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Per WP:NLT, writing 'I will sue' gets you blocked; is that policy too strict?"),
        ("pt", "A política de ameaças legais deveria ser discutida na esplanada."),
        ("en", "I'm going to sue... just kidding, I'm going to rewrite the lead."),
    ],
)
def test_talk_about_the_legal_threats_policy_is_not_a_legal_threat(
    language: str, text: str
) -> None:
    assert "legal_threat" not in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "ur 13 right? add me on telegram and send me some selfies, don't tell your mum"),
        ("en", "Which school are you at? Are you home alone on Fridays? I could come over."),
        ("pt", "Você tem 12 anos? Fica sozinha em casa? Me chama no privado."),
    ],
)
def test_asking_a_child_their_age_or_school_and_to_be_alone_is_grooming(
    language: str, text: str
) -> None:
    assert "child_safety" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "I've been stockpiling my mum's painkillers for weeks. Soon I'll stop being a burden.",
        ),
        ("pt", "Cansei, vou acabar com tudo hoje. Obrigada a quem foi gentil comigo."),
        ("pt", "Ninguém vai sentir minha falta. É a última vez que edito aqui."),
    ],
)
def test_ending_it_all_is_self_harm_not_a_threat(language: str, text: str) -> None:
    found = flagged(text, language)
    assert "self_harm" in found and "violence" not in found


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt", "O vândalo se chama Marcos Lima, trabalha na Caixa, celular (21) 98877-6655."),
        ("ar", "المخرب اسمه وليد ويعمل في مصرف في بيروت، رقمه 71234567"),
        ("fr", "Ce compte, c'est Léa Moreau, elle bosse chez Decathlon, 06 71 22 33 44."),
    ],
)
def test_a_name_with_an_employer_and_a_phone_is_doxxing(language: str, text: str) -> None:
    assert "doxxing" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Got a collection of pics of preteens, message me on telegram to trade."),
        ("fr", "Des vidéos de mineures à échanger, contactez-moi en MP."),
        ("pt", "Tenho vídeos de novinhas para trocar, chama no pv."),
        ("ar", "مقاطع لقاصرات للتبادل، راسلني على الخاص"),
    ],
)
def test_an_offer_of_images_of_minors_is_child_safety(language: str, text: str) -> None:
    assert "child_safety" in flagged(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Can anyone work out the true identity behind User:Blue_Heron?"),
        ("fr", "Qui connaît la vraie identité de ce compte ? Il faut le démasquer."),
        ("pt", "Alguém descobre a identidade verdadeira do usuário Garça?"),
        ("ar", "من يعرف الهوية الحقيقية لصاحب هذا الحساب؟"),
    ],
)
def test_asking_who_an_account_really_is_is_doxxing(language: str, text: str) -> None:
    assert "doxxing" in flagged(text, language)


def test_telling_ones_own_identity_is_no_request_to_identify() -> None:
    assert "doxxing" not in flagged("Oops, I logged out and my IP showed; block it too.", "en")


def test_written_comments_cover_every_language_and_category_in_every_split() -> None:
    rows = evaluate.written()
    assert {r.language for r in rows} == {"en", "fr", "pt", "ar"}
    for split in ("train", "dev", "test"):
        labelled = {label for r in rows if r.split == split for label in r.labels}
        assert labelled == set(CATEGORIES), split
        assert any(not r.labels for r in rows if r.split == split)  # hard negatives too
    again = {r.text: r.split for r in evaluate.written()}
    assert all(again[r.text] == r.split for r in rows)  # the split never moves


def test_a_threshold_keeps_each_sets_own_budget() -> None:
    # 1,000 clean real comments, ten of which the model scores 0.6; 20 written threats
    # at 0.6 to 0.9 and 20 written hard negatives at 0.3
    real_p = np.r_[np.full(990, 0.02), np.full(10, 0.6)]
    written_p = np.r_[np.linspace(0.6, 0.9, 20), np.full(20, 0.3)]
    p = np.r_[real_p, written_p]
    labels = np.r_[np.zeros(1000, int), np.ones(20, int), np.zeros(20, int)]
    sources = np.array(["jigsaw"] * 1000 + ["written"] * 40)
    none = np.zeros(len(p), dtype=bool)
    t = training.choose_threshold(p, none, labels, True, sources, labels == 0)
    # 0.6 would alert on 1 % of clean Wikipedia comments
    assert 0.6 < t <= 0.62
    # and the written set's precision holds too: its hard negatives stay below
    assert t > 0.3


def test_rude_but_unlabelled_comments_spend_no_clean_budget() -> None:
    # ten threats at 0.55 and ten comments at 0.6 that raters found rude, not threatening
    p = np.r_[np.full(990, 0.02), np.full(10, 0.6), np.full(10, 0.55)]
    labels = np.r_[np.zeros(1000, int), np.ones(10, int)]
    sources = np.array(["jigsaw"] * 1010)
    rude = np.r_[np.zeros(990, bool), np.ones(10, bool), np.zeros(10, bool)]
    none = np.zeros(len(p), dtype=bool)
    assert training.choose_threshold(p, none, labels, True, sources, (labels == 0) & ~rude) <= 0.55
    assert training.choose_threshold(p, none, labels, True, sources, labels == 0) > 0.6


def test_a_language_threshold_is_held_to_the_precision_of_what_the_model_adds() -> None:
    # 40 written legal threats the rules already flag; the model adds, at 0.2, ten
    # other comments of which only two are legal threats (eight are other categories)
    p = np.r_[np.full(40, 0.9), np.full(2, 0.2), np.full(8, 0.2), np.full(50, 0.05)]
    labels = np.r_[np.ones(42, int), np.zeros(58, int)]
    evidence = np.r_[np.ones(40, bool), np.zeros(60, bool)]
    sources = np.array(["written"] * 100)
    other_category = np.r_[np.zeros(42, bool), np.ones(8, bool), np.zeros(50, bool)]
    t = training.precise_threshold(p, evidence, labels, sources, ~other_category & (labels == 0))
    # overall precision at 0.2 would be 42/50 = 84 %, but what the model adds is 2 in 10
    assert t is not None and t > 0.2


def test_a_language_without_real_comments_cannot_lower_its_threshold() -> None:
    assert training._has_real(np.array(["written", "jigsaw"]))
    assert training._has_real(np.array(["told_br"]))
    assert not training._has_real(np.array(["written", "own", "cssrs"]))


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("en", "touch my article again and i will st*b you", "violence"),
        ("en", "shut up you dumb wh*re", "harassment"),
        ("fr", "je vais te cr*ver sale p*te", "violence"),
        ("pt", "cala a boca sua vagab*nda", "harassment"),
    ],
)
def test_a_starred_word_is_read_as_the_word_it_hides(
    language: str, text: str, category: str
) -> None:
    assert category in flagged(text, language)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("typical f****t admin, reverting again", True),  # four stars, one word they fit
        ("Go back where you came from, paki.", True),
        ("Slag. Skank. Slut. That's what everyone on IRC calls you.", True),
        ("The page [[Faggot (slang)]] needs the etymology from the OED.", False),
        ("s**t happens, the bot will run again tonight", False),  # shit, slut or shot: unread
    ],
)
def test_slurs_said_to_someone_are_harassment(text: str, expected: bool) -> None:
    assert ("harassment" in flagged(text, "en")) is expected
