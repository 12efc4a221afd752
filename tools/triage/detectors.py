"""Detectors made for personal data and grooming, beside the phrase rules.

Doxxing is personal data about someone: a phone number (``phonenumbers``, the
regions of the comment's language and international ones), an e-mail address
(``email-validator``), a street address, or a request to unmask an account. A
finding names the kinds it saw ("phone number: (217) 555-0143"), so a specialist
knows what to suppress. Grooming is a minor's age or school year (or a question
about them) next to a request for photos, contact or a private channel, or for
secrecy from parents.
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import Leniency

from tools.triage.gates import Quick
from tools.triage.normalise import normalise
from tools.triage.verdict import Finding

REGIONS = {
    "en": ("US", "GB", "IN", "AU"),
    "fr": ("FR", "BE", "CA", "MA"),
    "pt": ("BR", "PT"),
    "ar": ("EG", "SA", "MA", "AE", "DZ", "LB", "JO", "IQ", "TN", "SY", "KW"),
}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_STREET = (
    r"(?:street|st\.?|avenue|ave\.?|road|rd\.?|lane|ln\.?|drive|dr\.?|boulevard|blvd\.?"
    r"|crescent|close|way|court|ct\.?|place|pl\.?|terrace|gardens|grove|mews|row|walk|square)"
)
_ADDRESS = Quick(
    re.compile(
        r"\b\d{1,5}[a-z]? (?:[A-Z][\w'-]+ ){1,3}" + _STREET + r"(?=\W|$)"
        r"|\b\d{1,5},? (?:rue|avenue|av\.|boulevard|bd|chemin|impasse|allee|place|quai)"
        r" [\w' -]{3,40}"
        r"|\b(?:rua|avenida|av\.|travessa|alameda|estrada|largo"
        r"|praça) [\w' -]{3,40}?,? (?:n[ºo°.]? ?)?\d{1,5}"
        r"|(?:شارع|حي|طريق|زقاق|عمارة) [\u0600-\u06ff ]{2,30}\d{1,5}|\d{1,5},? (?:شارع"
        r"|حي) [\u0600-\u06ff]{2,}",
        re.IGNORECASE,
    )
)
_UNMASK = Quick(
    re.compile(
        r"who(?:'s| is) (?:really )?behind"
        r"|(?:want|need|find out|know|give me|post|reveal) (?:his|her|their) (?:real name|employer)"
        r"|(?:his|her|their) (?:real name|employer|workplace) (?:and|or)"
        r"|(?:real|true) identity (?:of|behind)|(?:vraie identit[eé]|identit[eé] r[ée]elle) d"
        r"|identidade (?:real|verdadeira) d[oae]"
        r"|(?:الهوية الحقيقية|الهويه الحقيقيه) ل|هويته الحقيقية"
        r"|where (?:he|she|they) works?|qui se cache derri[eè]re|son vrai nom"
        r"|where (?:this|that) (?:guy|person|user|editor|woman|man|girl|dude) (?:works|lives)"
        r"|(?:linkedin|facebook|instagram|home ?town) (?:\w+ ){0,3}of the"
        r" (?:guy|person|man|woman) behind"
        r"|call (?:his|her|their) (?:boss|employer|workplace|mother|mum|mom|wife|husband)"
        r"|o[uù] (?:ce|cette) (?:type|mec|gars|personne|utilisat\w+|nana|femme)"
        r" (?:travaille|habite|bosse)"
        r"|appeler son (?:patron|employeur|chef)"
        r"|onde (?:esse|essa) (?:cara|pessoa|usu[aá]ri[oa]|mulher|mina|sujeito) (?:trabalha|mora)"
        r"|ligar (?:pro|para o|pra o) (?:chefe|patr[aã]o) del[ea]|بمديره|بمديرها|مكان عملها"
        r"|o nome (?:real|verdadeiro)"
        r"|quem (?:esta|está) por tr[aá]s|onde (?:ele|ela) trabalha|اسمه الحقيقي|اسمها الحقيقي"
        r"|من وراء (?:هذا |هذه )?(?:ال)?(?:حساب|حسابات|معرف|اسم)|مكان عمله|أين يعمل|وين يشتغل",
        re.IGNORECASE,
    )
)
_PERSON = re.compile(
    r"\b(?:his|her|him|their|he|she|lives?|living|works? at|call (?:him|her)|son|sa|ses|il|elle"
    r"|habite|dele|dela|ele|ela|mora|seu|sua|trabalha|se chama|chama-se|s'appelle|travaille"
    r"|bosse|named|called)\b|اسمه|اسمها|يسكن|تسكن|رقمه|رقمها|عنوانه|هاتفه|يعمل|تعمل|يشتغل"
    r"|بيته|منزله|حسابه|حسابها",
    re.IGNORECASE,
)


#: Seven digits or more, with the separators numbers are written with: worth parsing.
_DIGITS = re.compile(r"(?:\d[\s().\-/]{0,3}){7,}")


_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
#: Someone's account elsewhere: a handle or profile named beside the network.
_SOCIAL = Quick(
    re.compile(
        r"\b(?:insta(?:gram)?|facebook|fb|twitter|tiktok|snap(?:chat)?|linkedin)\b[^.\n]{0,20}?@[\w.]{3,}"
        r"|@[\w.]{3,}[^.\n]{0,20}?\b(?:insta(?:gram)?|facebook|twitter|tiktok|snap(?:chat)?)\b"
        r"|(?:حسابه|حسابها) (?:على|في) (?:فيسبوك|فيس بوك|انستغرام|انستقرام|تويتر|تيك توك|سناب)",
        re.IGNORECASE,
    )
)
#: A car's registration named as such: letters and digits after "plate", "plaque", "placa", لوحة.
_PLATE = Quick(
    re.compile(
        r"\b(?i:(?:number |licen[cs]e |registration |reg )?plate|registration(?: number)?"
        r"|reg(?: no\.?)?"
        r"|plaque(?: d'immatriculation)?|immatricul[ée]e?|placa|matr[ií]cula)\b"
        r"(?: (?:of (?:his|her|their|the) (?:car|van|truck|bike)|de (?:sa|la) (?:voiture|moto)"
        r"|d[oa] (?:carro|moto|ve[ií]culo)(?: del[ea])?))?"
        r"(?: (?:is|est|é|e|:|n[º°o.]?))?:? ?"
        r"(?=[A-Z0-9 -]{0,8}\d)(?=[A-Z0-9 -]{0,8}[A-Z])"  # a digit and a capital letter, at least
        r"[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5}(?:[ -][A-Z0-9]{1,3})?\b"
        r"|(?:لوحة|لوحه|نمرة|نمره)(?: (?:السيارة|السياره|سيارته|سيارتها))?"
        r":? ?[\u0600-\u06ffA-Z ]{0,8}\d{2,7}",
    )
)
#: An account said to be a named person: 'Admin "Kestrel" is Priya Natarajan'.
_ACCOUNT = (
    r"(?i:\b(?:user|admin|administrator|account|editor|sysop|steward|username|sock(?:puppet)?"
    r"|utilisat(?:eur|rice)|compte|contribut(?:eur|rice)|usu[aá]ri[oa]|conta|editor[a]?)\b"
    r"|المستخدم|المشرف|الحساب|المحرر|الإداري)[: ]*[\"“«»”]?\s?[\w.-]{3,}\s?[\"”»«“]?"
    # or a handle with a digit in it, quoted: « Hibou42 »
    r"|[\"“«»”]\s?(?=[\w.-]*\d)[\w.-]{3,}\s?[\"”»«“]"
)
_OUTED = Quick(
    re.compile(
        r"(?:" + _ACCOUNT + r") (?i:is|=|c'est|est|é)(?: (?i:actually|really|in fact|in real life"
        r"|irl|en fait|en r[ée]alit[ée]|na verdade|na vida real))?(?: (?:o|a))?"
        r" [A-Z][a-zà-ÿ]+ [A-Z][\w'à-ÿ-]+"
        # Arabic names have no capitals: "in reality" must say it is a person
        r"|(?:" + _ACCOUNT + r") (?:هو|هي) (?:في الحقيقة|في الواقع|فعليا|بالحقيقة|اسمه|اسمها)"
        r" [\u0621-\u064a]{2,} [\u0621-\u064a]{3,}"
    )
)
#: Words that introduce a phone number: a number after them is one, even a made-up one.
_PHONE_WORD = re.compile(
    r"(?i:phone|mobile|cell|tel|t[ée]l[ée]phone|portable|whats ?app|celular|telem[oó]vel"
    r"|zap|contacto|contato|جواله|جوالها|رقمه|رقمها|هاتفه|هاتفها|موبايله)"
    r"\W{0,3}(?:n[ºo°.]? ?|is |:)?$"
)
#: Someone's full name, and where someone works: each is everyday talk about an article's
#: subject, so alone they never alert; beside other personal data they are doxxing.
_NAMED = Quick(
    re.compile(
        r"(?i:\b(?:il|elle) s'appelle|\b(?:ele|ela) se chama|\b(?:his|her|their) (?:full )?name is"
        r"|\bchama-se)\s+[A-Z][a-zà-ÿ]+ [A-Z][\w'à-ÿ-]+"
        r"|(?:اسمه|اسمها) (?:ال)?[\u0621-\u064a]{2,} (?:ال)?[\u0621-\u064a]{3,}"
    )
)
_WORKPLACE = Quick(
    re.compile(
        r"(?i:\b(?:works?|working) (?:at|for)|\bbosse (?:à|a|chez|au)"
        r"|\btravaille (?:à|a|chez|au|pour)"
        r"|\btrabalha (?:no|na|em|pro|pra|para))\s+(?:la |le |l'|o |a |the )?[A-Z][\w'à-ÿ-]+"
        r"|(?:يشتغل|يعمل|تشتغل|تعمل|ويشتغل|ويعمل|وتشتغل|وتعمل) (?:في|ب|لدى|عند) [\u0621-\u064a]{3,}"
    )
)
WEAK_KINDS = frozenset({"real name", "workplace"})
#: A request to find out who an account is: about a person by what it asks.
UNMASK_KIND = "request to identify"
#: An account said to be a named person: about a person by what it says.
OUTED_KIND = "account named as a person"
#: How far around a piece of personal data a word about a person makes it someone's.
CONTEXT = 80


def _phones(text: str, language: str) -> list[tuple[int, str]]:
    found: dict[str, int] = {}
    if not _DIGITS.search(_IP.sub(" ", text)):  # IP addresses (signatures) are not numbers
        return []
    for region in REGIONS.get(language.split("-")[0], REGIONS["en"]):
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            if not _IP.search(match.raw_string):  # an IP address is not a phone number
                found.setdefault(match.raw_string, match.start)
        # "mobile 07700 900123": introduced as a phone, a number in a reserved range counts
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            digits = sum(c.isdigit() for c in match.raw_string)
            if digits >= 10 and _PHONE_WORD.search(text, max(0, match.start - 25), match.start):
                found.setdefault(match.raw_string, match.start)
    return [(start, raw) for raw, start in found.items()]


def _emails(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    if "@" not in text:
        return found
    for match in _EMAIL.finditer(text):
        try:
            validate_email(match.group(0), check_deliverability=False)
        except EmailNotValidError:
            continue
        found.append((match.start(), match.group(0)))
    return found


def doxxing(text: str, language: str) -> Finding | None:
    """Personal data of someone in ``text``, each phrase prefixed by its kind.

    Each kind found counts as evidence; a word about a person (his, lives, call
    him…) near the data doubles it, and a request to identify is about a person by
    what it asks. A lone number or address with nobody near it (an embassy, a help
    line, a date) stays below the alert threshold, and so does a full name or a
    workplace alone.
    """
    low = text.lower()
    seen = [
        *(("phone number", at, p) for at, p in _phones(text, language)),
        *(("e-mail address", at, e) for at, e in _emails(text)),
        *(("street address", m.start(), m[0].strip()) for m in _ADDRESS.finditer(text, low)),
        *(("social media account", m.start(), m[0]) for m in _SOCIAL.finditer(text, low)),
        *(("vehicle registration", m.start(), m[0]) for m in _PLATE.finditer(text, low)),
        *((UNMASK_KIND, m.start(), m[0]) for m in _UNMASK.finditer(text, low)),
        *((OUTED_KIND, m.start(), m[0].strip()) for m in _OUTED.finditer(text, low)),
        *(("real name", m.start(), m[0]) for m in _NAMED.finditer(text, low)),
        *(("workplace", m.start(), m[0]) for m in _WORKPLACE.finditer(text, low)),
    ]
    if not seen:
        return None
    kinds = {kind for kind, _, _ in seen}
    personal = bool(kinds & {UNMASK_KIND, OUTED_KIND}) or any(
        _PERSON.search(text, max(0, at - CONTEXT), at + len(value) + CONTEXT)
        for _, at, value in seen
    )
    remaining = 0.65 ** len(kinds) * (0.5 if personal else 1)
    if kinds <= WEAK_KINDS and len(kinds) == 1:  # "her name is …", "works at the BBC": a biography
        remaining = max(remaining, 0.65)
    phrases = tuple(f"{kind}: {value}" for kind, _, value in seen)
    return Finding(category="doxxing", score=round(1 - remaining, 3), phrases=phrases)


_AGE = re.compile(
    r"\b(?:i'?m|i am|im|age|aged|j'ai|tenho|to com|tô com|tou com|عمري|عندي) ?(?:1[0-5]|[89])\b"
    r"|\b(?:you'?re|you are|ur|u r|tu as|t'as|tens|você tem|voce tem|vc tem|عمرك)"
    r" ?(?:1[0-5]|[89])\b"
    r"|\b(?:1[0-5]|[89]) ?(?:yo|y/o|years? old|ans|anos)\b|\byear [5-9]\b|\b[5-9](?:th"
    r"|st|nd|rd) grade\b"
    r"|\b[3-6] ?(?:e|eme|ème)\b|\ben (?:sixi|cinqui|quatri|troisi)[eè]me\b|\bcm[12]\b"
    r"|\b[5-9]º? ?ano\b|الصف (?:ال)?(?:خامس|سادس"
    r"|سابع|ثامن|تاسع|[5-9])"
    r"|how old (?:are|r) (?:you|u)|what school|which school|quel (?:age|âge)|t'as quel"
    r"|quelle (?:ecole|école)"
    r"|quantos anos|qual (?:escola|colegio|colégio)|q escola|que escola|كم عمرك"
    r"|em que s[ée]rie|que s[ée]rie|en quelle classe|quelle classe|t'es en quelle"
    r"|في أي مدرسة|اي مدرسة",
    re.IGNORECASE,
)
_CONTACT = Quick(
    re.compile(
        r"\b(?:photos?|pics?|pictures?|selfies?|snap(?:chat)?|whats ?app|insta(?:gram)?"
        r"|dm me|private(?:ly)?"
        r"|discord|telegram|kik|skype|your number|meet (?:me|up)|send me|add me|fotos?|zap"
        r"|whats|privado"
        r"|me chama|me manda|manda|envoie|envoies|ajoute|en priv[ée]|ton num[ée]ro|video ?call"
        r"|facetime|depois da aula|s[oó] eu e (?:voc[eê]|vc|tu)|juste toi et moi"
        r"|apr[eè]s l'[ée]cole"
        r"|rencontrer|te voir|home alone|(?:pick|picking) you up|come over|sleepover"
        r"|seule? (?:à|a) la maison|te chercher|sozinh[ao] em casa|te buscar|buscar voc[eê])\b"
        r"|صور|صورتك|واتساب|واتس|خاص|رقمك|سناب|أرسلي|ارسلي|ارسل لي|كلميني|نلتقي|وحدك|وحدكِ"
        r"|بعد المدرسة|نتقابل|بس أنا وأنت",
        re.IGNORECASE,
    )
)
_SECRET = Quick(
    re.compile(
        r"don'?t tell (?:your )?(?:mum|mom|parents|dad|anyone)|our (?:little )?secret|between us"
        r"|(?:ne )?(?:dis|dit) rien (?:à|a) (?:tes|ta|ton)|notre secret|nosso segredo"
        r"|n[aã]o conta (?:pra|para)"
        r"|لا تخبري|لا تخبر|سرنا|بيننا",
        re.IGNORECASE,
    )
)


def grooming(text: str, language: str) -> Finding | None:
    """A minor's age or school year (or asking for them) next to a request for contact."""
    low = text.lower()
    contact = [m.group(0) for m in _CONTACT.finditer(text, low)]
    secret = [m.group(0) for m in _SECRET.finditer(text, low)]
    if not (contact or secret):
        return None
    folded = normalise(text) if language.split("-")[0] != "ar" else text
    age = [m.group(0) for m in _AGE.finditer(text)] or [m.group(0) for m in _AGE.finditer(folded)]
    if not age:
        return None
    remaining = 0.5 * (0.5 if contact else 1) * (0.5 if secret else 1)
    phrases = tuple(dict.fromkeys([*age, *contact, *secret]))
    return Finding(category="child_safety", score=round(1 - remaining, 3), phrases=phrases)
