"""How rules, structure, detectors and the learned layer make one verdict.

Per category, the evidence of the rules (phrase rules on the comment as written and
on its normalised form), of the threat structure and of the detectors is the
highest of their scores: each is precise on its own. The learned layer's
probability ``p`` counts through its category threshold ``t`` (chosen on the dev
splits by ``safetydesk triage train``, per language where its dev rows allow,
printed by ``eval``): it is rescaled so that
``p = t`` lands on :data:`THRESHOLD`, and the category's score is the higher of the
two. Where both agree, the score rises (``1 - (1 - rule)(1 - learned)``). A category
the model file lists as *supporting* (none since the written comments: see
:mod:`tools.triage.training`) lifts a hint of the other evidence to an alert but
never alerts alone, for a model learnt from too few comments. A comment
marked as a joke has its violence score lowered. The scores keep their meaning for
the patrol: at or above :data:`THRESHOLD` a finding is an alert.
"""

from __future__ import annotations

from collections.abc import Mapping

from tools.triage import acts, derogation, detectors, framing, insults, structure
from tools.triage.learned import LearnedModel, default_model
from tools.triage.normalise import normalise
from tools.triage.rules import RuleScorer, default_scorer, fold
from tools.triage.verdict import CATEGORIES, THRESHOLD, Finding, Verdict

#: A learned threshold when the model file has none for a category.
DEFAULT_THRESHOLD = 0.5
#: Below this, a learned-only score is not a finding: every comment has some probability.
LEARNED_FLOOR = THRESHOLD / 2
#: A comment this short is one thought: a negation in it speaks for all of it.
SHORT = 300
#: The most a supporting category's learned score reaches with no other evidence.
SUPPORT_CAP = THRESHOLD - 0.05
LEARNED = "learned"  # the prefix of the learned layer's phrases in a finding


def rescale(probability: float, threshold: float) -> float:
    """Map ``probability`` so that ``threshold`` becomes :data:`THRESHOLD`, monotonically."""
    if probability < threshold:
        return THRESHOLD * probability / threshold
    return THRESHOLD + (1 - THRESHOLD) * (probability - threshold) / max(1e-9, 1 - threshold)


def _merge(kept: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    """``kept`` and those of ``more`` that neither contain nor are in one of them."""
    folded = [normalise(k) for k in kept]
    extra = [m for m in more if not any(normalise(m) in k or k in normalise(m) for k in folded)]
    return kept + tuple(dict.fromkeys(extra))


class CombinedScorer:
    """The default :class:`tools.triage.Scorer`: rules, structure, detectors and the model."""

    def __init__(
        self,
        rules: RuleScorer,
        model: LearnedModel | None,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        self.rules = rules
        self.model = model
        meta = model.meta.get("thresholds", {}) if model is not None else {}
        self.thresholds = dict(thresholds if thresholds is not None else meta)  # type: ignore[arg-type]
        supporting = model.meta.get("supporting", []) if model is not None else []
        self.supporting = frozenset(supporting)  # type: ignore[arg-type]

    def evidence(self, text: str, language: str) -> dict[str, Finding]:
        """The best finding per category of everything but the learned layer."""
        found: dict[str, Finding] = {}
        candidates = list(self.rules.score(text, language).findings)
        normal = normalise(text)
        if normal != fold(text)[0].lower():  # leet, spacing, repeats: worth a second look
            candidates += self.rules.score(normal, language).findings
        read = (  # the structure readers; a false friend ("shoot you an email") silences them
            structure.score(text, language),
            derogation.score(text, language),
            insults.score(text, language),
            *acts.score(text, language),
        )
        candidates += [
            f for f in read if f is not None and not self._false_friend(f.category, text, language)
        ]
        detected = (detectors.doxxing(text, language), detectors.grooming(text, language))
        candidates += [f for f in detected if f is not None]
        for finding in sorted(candidates, key=lambda f: -f.score):
            best = found.get(finding.category)
            if best is None:
                found[finding.category] = finding
            else:
                phrases = _merge(best.phrases, finding.phrases)
                found[finding.category] = Finding(best.category, best.score, phrases)
        return found

    def _false_friend(self, category: str, text: str, language: str) -> bool:
        """Whether one of the rule file's false friends of ``category`` is in ``text``."""
        rules = self.rules.for_language(language)
        found = next((c for c in rules.categories if c.category == category), None)
        return bool(found and found.false_friends and found.false_friends.search(fold(text)[0]))

    def _dampened(
        self,
        rule: Finding | None,
        model_score: float,
        category: str,
        text: str,
        language: str,
    ) -> bool:
        """Whether a learned-only score meets a negation, a false friend or only a group's name."""
        if rule or model_score < LEARNED_FLOOR:
            return False
        if category == "harassment":
            return model_score >= THRESHOLD and self._only_a_group(text, language)
        if category not in ("violence", "self_harm"):
            return False
        if category == "self_harm" and len(text) > SHORT:
            return False  # one negated sentence says little about a long post
        negated = structure.negated_harm(text, language)  # asked only here: it costs
        return negated or self._false_friend(category, text, language)

    def _only_a_group(self, text: str, language: str) -> bool:
        """Whether an insult the model alone sees comes from naming a group and nothing else.

        Abusive comments name groups so often that the model learnt the names: "I am
        gay" scores as an insult. Written with a neutral word instead of the group
        ("I am people"), a comment that falls below the threshold was not insulting.
        """
        neutral = derogation.neutral(text, language)
        if neutral == text:
            return False
        return self.learned(neutral, language).get("harassment", 0.0) < THRESHOLD

    def learned(self, text: str, language: str) -> dict[str, float]:
        """The learned layer's rescaled score per category (empty without a model)."""
        if self.model is None:
            return {}
        probabilities = self.model.probabilities([text], [language])[0]
        return {
            category: rescale(p, self.threshold(category, language))
            for category, p in probabilities.items()
        }

    def threshold(self, category: str, language: str) -> float:
        """The threshold of ``category`` in ``language`` (``harassment@pt``), else its own."""
        general = self.thresholds.get(category, DEFAULT_THRESHOLD)
        return self.thresholds.get(f"{category}@{language.split('-')[0]}", general)

    def score(self, text: str, language: str) -> Verdict:
        found = self.evidence(text, language)
        learned = self.learned(text, language)
        joke: bool | None = None  # asked only of a comment with something to lower: it costs
        findings = []
        for category in CATEGORIES:
            rule = found.get(category)
            rule_score = rule.score if rule else 0.0
            model_score = learned.get(category, 0.0)
            if self._dampened(rule, model_score, category, text, language):
                model_score *= structure.JOKE_FACTOR  # "I will not kill you", "I am gay"
            if rule is None and category in self.supporting:
                model_score = min(model_score, SUPPORT_CAP)
            if rule_score >= THRESHOLD and model_score >= THRESHOLD:
                value = 1 - (1 - rule_score) * (1 - model_score)
            else:
                value = max(rule_score, model_score)
            if value > 0.005 and category in ("violence", "harassment", "legal_threat"):
                if joke is None:
                    joke = framing.is_joke(text, language) or framing.is_counter_speech(
                        text, language
                    )
                if joke:
                    value *= structure.JOKE_FACTOR
            if category == "legal_threat" and framing.is_policy_talk(text, language):
                value *= structure.JOKE_FACTOR
            if value <= 0.005 or (not rule and value < LEARNED_FLOOR):
                continue
            phrases = rule.phrases if rule else ()
            if model_score >= THRESHOLD and self.model is not None:
                words = self.model.explain(text, language, category, top=5)
                common = structure.function_words(language)
                words = [w for w in words if normalise(w) not in common][:3]
                phrases += tuple(f"{LEARNED}: {word}" for word in words if word not in phrases)
            findings.append(Finding(category, round(min(value, 1.0), 3), phrases))
        findings.sort(key=lambda f: (-f.score, CATEGORIES.index(f.category)))
        return Verdict(language=language, findings=tuple(findings))


_DEFAULT: CombinedScorer | None = None


def default_combined() -> CombinedScorer:
    """The shipped rules and model, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = CombinedScorer(default_scorer(), default_model())
    return _DEFAULT
