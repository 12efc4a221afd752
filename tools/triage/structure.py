# ruff: noqa: RUF001, RUF002  (Arabic and full-width letters are the point)
"""Threats read as structure: a speaker's intent, a harm and a target, not a fixed phrase.

"I'll put a bullet in you", "je vais te planter", "راح أذبحك" share no phrase with
the rule files, but each has a first-person intent (future, conditional, oath or
imperative), a harm word and a target in the second person, close together. The
word lists (``[structure]`` in ``rules/<language>.toml``) are stemmed once, so
one entry covers its inflections; text is normalised first (leet, spacing, case,
Arabic variants). A second-person possessive next to family, home, school or car,
with a menace ("it would be a shame if…"), is a veiled threat. A normative
statement ("X should all be shot", "méritent de mourir", "يجب قتلهم") needs no
second person: a "should" before a passive harm or a death word threatens
whoever the subject is, a group most often. A group named next to the harm
("let's burn the refugees", "tuons les …", "لنقتل المهاجرين") is a target as a
pronoun is, and so is a person heading the sentence ("the next admin *who* blocks
me gets a bullet"). "I" or "je" intends only right before the harm, and a thing
as subject intends nothing ("smoking *will* kill you"). A report of a threat
against the writer ("he wrote he'd hurt my kids") is read with someone else's
intent too. A joke marker ("jk", "😂", "brincadeira", "هههه") lowers the score:
those were the false alarms. The word lists are read by :mod:`tools.triage.lexicon`.
"""

from __future__ import annotations

import functools
import re

from tools.triage.lexicon import Lexicon, lexicons
from tools.triage.normalise import normalise, stems, words
from tools.triage.rules import fold
from tools.triage.rules import original_span as original
from tools.triage.verdict import Finding

_SENTENCES = re.compile(r"[.!?\n;\u061f\u06d4]+")
WINDOW = 8  # words between intent and harm, harm and target
JOKE_FACTOR = 0.3
REPORTED = 0.7  # a threat against the writer, reported by them: for a specialist to read
#: Arabic verb prefixes of a future, oath or "let us": سأقتلك، هقتلك، حقتلك، لأذبحنك، لنقتل، ستموت.
_AR_FUTURE = ("سا", "سن", "ست", "ح", "ه", "لا", "لن", "بد", "رح", "را")
#: Arabic object suffixes: the harm's target in the verb itself (سأقتلك، أذبحهم).
_AR_OBJECT = ("ك", "كم", "هم", "ها", "هن", "كي")
_AR_ARTICLES = ("وال", "فال", "بال", "لل", "ال")
#: Arabic endings of "your" (بيتك، مقالاتكم), and "you have" before a word (عندك أولاد).
AR_YOUR = ("ك", "كم", "كي")
_AR_YOU_HAVE = ("عندك", "عندكم", "عندكي", "لديك", "لديكم")
#: What may follow a two-letter root: nothing, a pronoun, or a plural (دماء، دمائهم).
_AR_SHORT_TAIL = frozenset(
    {"", "ك", "كم", "ه", "هم", "ها", "ي", "نا", "اء", "اءك", "ائك", "ائكم", "ائهم", "اءهم"}
)


def _harm_at(lexicon: Lexicon, stem: str, stemmed: list[str] | None = None, at: int = 0) -> int:
    """2 for a harm word, 1 for a weak one (which needs its target right after), else 0.

    With ``stemmed``, a harm of several words starting at ``at`` counts too.
    """
    for phrase in lexicon.phrase_starts.get(stem, ()) if stemmed is not None else ():
        rest = stemmed[at + 1 : at + len(phrase)]
        if tuple(rest) == phrase[1:]:
            return 2
        # an object between the words of a phrasal verb: "run *him* over", "set *them* on fire"
        between = stemmed[at + 1] if at + 1 < len(stemmed) else ""
        after = tuple(stemmed[at + 2 : at + 1 + len(phrase)])
        if between in lexicon.target and after == phrase[1:]:
            return 2
    if lexicon.infix:
        return 2 if _holds_harm_root(lexicon.language, stem) else 0
    if stem in lexicon.harm_set:
        return 2
    return 1 if stem in lexicon.weak else 0


@functools.lru_cache(maxsize=65536)
def _holds_harm_root(language: str, stem: str) -> bool:
    """Whether an Arabic stem holds one of the language's harm roots (each stem once)."""
    lexicon = lexicon_for(language)
    return lexicon is not None and any(_has_root(root, stem) for root in lexicon.harm)


def _has_root(root: str, stem: str) -> bool:
    """Whether an Arabic stem holds a harm root: anywhere for a long root (سأقتلك),
    but a root of two letters (دم, blood) only as the word itself with an article
    or an ending (دمك، بالدم، دماءهم), or it is in half the words (مقدمة، ندم، دمشق).
    Its verb forms are listed as words of their own (``=اطخهم``).
    """
    if len(root) > 2:
        return root in stem
    for article in (*_AR_ARTICLES, "و", "ب", "ف", ""):
        rest = stem.removeprefix(article) if article else stem
        if rest.startswith(root) and rest[len(root) :] in _AR_SHORT_TAIL:
            return True
    return False


def _threat(
    lexicon: Lexicon, tokens: list[str], stemmed: list[str], negated: list[bool] | None = None
) -> tuple[float, list[str]]:
    """The score of one sentence's intent-harm-target structure, and its words.

    ``negated`` gets True appended for a harm word a negation stands before.
    """
    best, phrase = 0.0, []
    for index, stem in enumerate(stemmed):
        token = tokens[index]
        exact = token in lexicon.exact or token in lexicon.hortative
        strength = 2 if exact else _harm_at(lexicon, stem, stemmed, index)
        if not strength:
            continue
        before = tokens[max(0, index - WINDOW) : index]
        after = tokens[index + 1 : index + 1 + WINDOW]
        intent = (
            any(
                w in lexicon.intent and w not in lexicon.close and not _agent(lexicon, before, at)
                for at, w in enumerate(before)
            )
            or any(w in lexicon.close for w in before[-4:])
            or token in lexicon.hortative
            or (strength == 2 and _present(lexicon, before, token))  # "te pago um café": weak
            or (lexicon.infix and arabic_future(token))
            # سيشنق المثليون جميعا: "the gays will be hanged", a future against a group
            or (
                lexicon.infix
                and token.startswith("سي")
                and any(is_group(lexicon, w) for w in before[-4:] + after[:3])
            )
            # سآتي إلى بيتك وأكسر رأسك: the future is on the verb before
            or (lexicon.infix and any(w.startswith(("سا", "سن", "ست")) for w in before[-4:]))
        )
        if _at_a_thing(lexicon, token, after):
            continue  # "I'm going to kill every mosquito", "matar esse bug"
        if _negation_before(lexicon, before[-4:]):
            if negated is not None:
                negated.append(True)
            continue
        # a weak harm's object: after it in English ("end you"), a clitic before it
        # in French, Portuguese or Arabic ("te bater", "te finir")
        clitic = before[-1:] if lexicon.language != "en" else []
        near = before[-5:] + after[:5] if strength == 2 else clitic + after[:1]
        if strength == 1:
            near = [w for w in near if w != "her"]  # "end her life": a possessive
        # a weak harm needs a pronoun: "break *you*", not "breaking *any* rule"
        aimed = is_target if strength == 2 else lambda lex, w: w in lex.target
        target = any(aimed(lexicon, w) for w in near) or (
            lexicon.infix and token.endswith(_AR_OBJECT)
        )
        if not target and intent and strength == 2:
            # "the next admin who blocks me gets a bullet": the target heads the sentence
            target = _headed(lexicon, tokens[:index])
        score = 0.9 if intent and target else 0.45 if target else 0.0
        if score < REPORTED and _reported_against_writer(lexicon, tokens, index, near, intent):
            score = REPORTED  # "he wrote that he will break my neck", "أنه سيقتلني"
        if not score and strength == 2 and _normative(lexicon, before[-5:], stem):
            score = 0.8  # "… should all be shot", "merecem morrer", "يستحقون الموت"
        if score > best:
            best, phrase = score, tokens[max(0, index - 3) : index + 3]
    return best, phrase


#: Arabic words after which ما is "what" or "as", not "not": مثل ما، زي ما، بعد ما.
_AR_NOT_NEGATING = frozenset({"مثل", "زي", "زى", "كيف", "بعد", "قبل", "عند", "حسب", "اول"})


def _negation_before(lexicon: Lexicon, before: list[str]) -> bool:
    """Whether a negation stands in the words before a harm ("I will *not* kill you")."""
    return any(
        w in lexicon.negation
        and not (lexicon.infix and w == "ما" and at and before[at - 1] in _AR_NOT_NEGATING)
        for at, w in enumerate(before)
    )


def _at_a_thing(lexicon: Lexicon, token: str, after: list[str]) -> bool:
    """Whether a harm's object is a pest, a plant or a program, not a person.

    The first word after the harm (past "every", "the", "toutes les") that is a
    thing or a person decides: "kill every mosquito", not "kill you like a mosquito".
    """
    if not lexicon.things or (lexicon.infix and token.endswith(_AR_OBJECT)):
        return False
    for word in after[:4]:
        bare = word.removeprefix("ال") if lexicon.infix else word
        if word in lexicon.things or bare in lexicon.things:
            return True
        if word not in lexicon.things_skip and (
            is_target(lexicon, word) or is_group(lexicon, word)
        ):
            return False
    return False


def _present(lexicon: Lexicon, before: list[str], token: str) -> bool:
    """Whether a harm is the speaker's present said as a future: "te quebro", "vos mato"."""
    return bool(
        lexicon.present_ending
        and before[-1:]
        and before[-1] in lexicon.present_after
        and token.endswith(lexicon.present_ending)
    )


def _agent(lexicon: Lexicon, before: list[str], at: int) -> bool:
    """Whether the intent word at ``at`` has a thing as its subject ("smoking *will* kill you")."""
    return at > 0 and before[at - 1].rsplit("'", 1)[-1] in lexicon.agent  # "l'alcool va"


def _reported_against_writer(
    lexicon: Lexicon, tokens: list[str], index: int, near: list[str], intent: bool
) -> bool:
    """Whether a noticeboard report says someone threatened the writer.

    "User X left a message saying he will break my neck": the target is "me", so
    the threat structure alone does not see it, but a report verb before it does.
    """
    if not any(w in lexicon.report for w in tokens[:index]):
        return False
    token = tokens[index]
    if lexicon.infix and token.endswith("ني"):
        bare = token[1:] if token.startswith(("و", "ف")) and len(token) > 4 else token
        if bare.startswith(("سي", *_AR_FUTURE)):
            return True  # سيقتلني: he will kill me
        # أنه سيأتي إلى بيتي ويقتلني: the future is on the verb before
        return any(w.startswith("سي") for w in tokens[max(0, index - 5) : index])
    # "he wrote he'd hurt my kids": someone else's intent counts in a report
    intent = intent or any(w in lexicon.third for w in tokens[max(0, index - WINDOW) : index])
    return intent and any(w in lexicon.me for w in near)


def _headed(lexicon: Lexicon, before: list[str]) -> bool:
    """Whether the words before a harm start with a person as its target ("the next one who")."""
    return any(
        word in lexicon.head and any(w in lexicon.who for w in before[at + 1 : at + 4])
        for at, word in enumerate(before)
    )


def arabic_future(token: str) -> bool:
    """Whether an Arabic verb carries a first-person future, oath or "let us" (لنقتل).

    A leading "and" or "so" (وأقتلهم، فسأذبحك) is not part of the verb.
    """
    if token.startswith(("و", "ف")) and len(token) > 4:
        token = token[1:]
    if token.startswith("ال"):
        return False
    # أقتلهم: "I kill them" or "kill them!", a first person or an order, with its target
    return token.startswith(_AR_FUTURE) or (token.startswith("ا") and token.endswith(_AR_OBJECT))


def is_target(lexicon: Lexicon, word: str) -> bool:
    """Whether ``word`` names whom a harm is for: a pronoun, a quantifier or a group."""
    return word in lexicon.target or word in lexicon.quantifier or is_group(lexicon, word)


def is_group(lexicon: Lexicon, word: str) -> bool:
    """Whether ``word`` names a group of people (women, musulmans, المهاجرين)."""
    return _is_group(lexicon, lexicon.people, word)


@functools.lru_cache(maxsize=64)  # structure, acts, insults and derogation read the same
def parse(text: str, language: str) -> tuple[tuple[str, list[str], list[str]], ...]:
    """The sentences of ``text`` normalised, each with its words and their stems.

    Callers read the lists and never change them: they are shared.
    """
    found = []
    for sentence in _SENTENCES.split(normalise(text)):
        tokens = words(sentence)
        if tokens:
            found.append((sentence, tokens, stems(tokens, language)))
    return tuple(found)


def _normative(lexicon: Lexicon, before: list[str], stem: str) -> bool:
    """Whether a "should" before a harm makes it a threat against the sentence's subject.

    The harm must be a passive ("should *be* shot", "devraient *être* tués") or a
    death ("deserve to die"); Arabic's verbal noun after يجب / لازم is its own form.
    """
    ends = [i for i, w in enumerate(before) if w in lexicon.normative]
    ends += [
        i + 1 for i in range(len(before) - 1) if " ".join(before[i : i + 2]) in lexicon.normative
    ]
    if not ends:
        return False
    if lexicon.infix:
        return True
    between = before[max(ends) + 1 :]
    return any(w in lexicon.passive for w in between) or (
        bool(lexicon.death) and stem.startswith(lexicon.death)
    )


def _dear(lexicon: Lexicon, stemmed: list[str]) -> bool:
    """Whether one of these words is someone or something dear (a child, a home)."""
    return any(stem.startswith(lexicon.dear) for stem in stemmed)


def _veiled(lexicon: Lexicon, text: str, tokens: list[str], stemmed: list[str]) -> float:
    dear = (
        any(  # "your kids", "your little girl", "nice kids you have"
            (tokens[i] in lexicon.possessive and _dear(lexicon, stemmed[i + 1 : i + 3]))
            or (tokens[i + 1 : i + 3] == ["you", "have"] and _dear(lexicon, stemmed[i : i + 1]))
            for i in range(len(tokens) - 1)
        )
        # بيتك، أولادك: the reader's in the word's ending, which the stem drops
        or (
            lexicon.infix
            and any(
                (t.endswith(AR_YOUR) and s.startswith(lexicon.dear))
                or (t in _AR_YOU_HAVE and _dear(lexicon, stemmed[i + 1 : i + 2]))  # عندك أولاد
                for i, (t, s) in enumerate(zip(tokens, stemmed, strict=True))
            )
        )
    )
    return 0.85 if dear and any(m in text for m in lexicon.menace) else 0.0


def score(text: str, language: str) -> Finding | None:
    """A violence finding when a sentence of ``text`` is built like a threat."""
    lexicon = lexicon_for(language)
    if lexicon is None:
        return None
    normal = normalise(text)
    best, phrases = 0.0, []
    parsed = parse(text, lexicon.language)
    for _sentence, tokens, stemmed in parsed:
        value, phrase = _threat(lexicon, tokens, stemmed)
        if value > best:
            best, phrases = value, [" ".join(phrase)]
    for index in range(len(parsed)):
        if best >= 0.85:
            break
        # a menace and someone dear in one sentence or the next: "Nice car. Shame if…"
        pair = parsed[index : index + 2]
        near = " ".join(p[0] for p in pair)
        tokens = [w for p in pair for w in p[1]]
        if _veiled(lexicon, near, tokens, [w for p in pair for w in p[2]]):
            best, phrases = 0.85, [" ".join(m for m in lexicon.menace if m in near)]
    if best and lexicon.jokes(normal):
        best *= JOKE_FACTOR
    if not best:
        return None
    return Finding("violence", round(best, 3), tuple(_as_written(text, p) for p in phrases))


def _as_written(text: str, phrase: str) -> str:
    """The words of ``phrase`` as the comment wrote them, where normalising kept them."""
    pattern = r"\W+".join(re.escape(word) for word in phrase.split()).replace("'", "['\u2019]")
    folded, offsets = fold(text)  # accents and Arabic variants folded, as the rules do
    found = re.search(pattern, folded, re.IGNORECASE)
    return original(text, offsets, *found.span()) if found else phrase


def negated_harm(text: str, language: str) -> bool:
    """Whether ``text`` names a harm with a negation before it ("I will *not* kill you").

    The learned layer reads words, not their order, so it cannot see this; the
    combining rule asks here before trusting it alone.
    """
    lexicon = lexicon_for(language)
    if lexicon is None:
        return False
    negated: list[bool] = []
    for sentence in _SENTENCES.split(normalise(text)):
        tokens = words(sentence)
        if tokens:
            _threat(lexicon, tokens, stems(tokens, lexicon.language), negated)
    return bool(negated)


def function_words(language: str) -> frozenset[str]:
    """Pronouns, auxiliaries and negations of ``language``: no explanation on their own."""
    lexicon = lexicon_for(language)
    if lexicon is None:
        return frozenset()
    return lexicon.intent | lexicon.target | lexicon.negation | lexicon.possessive


def lexicon_for(language: str) -> Lexicon | None:
    """The lexicon of ``language`` (``pt-br`` reads ``pt``), else English's."""
    table = lexicons()
    return table.get(language) or table.get(language.split("-")[0]) or table.get("en")


def _is_group(lexicon: Lexicon, groups: frozenset[str], word: str) -> bool:
    """Whether ``word`` is one of ``groups``, in Arabic also with an article (للمهاجرين)."""
    if word in groups:
        return True
    return lexicon.infix and any(
        word.startswith(article) and word[len(article) :] in groups for article in _AR_ARTICLES
    )
