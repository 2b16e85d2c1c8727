"""Find identifying numbers and contact details in a piece of free text.

Each finder returns ``(start, end, rule)`` spans: offsets into the text it was
given and the PRIVACY-* rule id of what was found. Check digits are validated
with python-stdnum (UPN check letter and local-authority code, NHS number
modulus 11), so a number that merely looks like an identifier is left alone.
Every pattern here needs a digit or an ``@``; the scanner only calls
:func:`find_identifiers` on text holding one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Hit = tuple[int, int, str]

UPN = "PRIVACY-UPN"
NHS = "PRIVACY-NHS-NUMBER"
NI = "PRIVACY-NI-NUMBER"
POSTCODE = "PRIVACY-POSTCODE"
PHONE = "PRIVACY-PHONE"
EMAIL = "PRIVACY-EMAIL"
ADDRESS = "PRIVACY-ADDRESS"
DOB = "PRIVACY-DOB"

# -- pupil and personal numbers ------------------------------------------------------
_UPN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{11}[A-Za-z0-9](?![A-Za-z0-9])")
_NHS = re.compile(r"(?<![\d])\d{3}([ -]?)\d{3}\1\d{4}(?![\d])")
# NI number: two prefix letters, three pairs of digits, a suffix A-D (spaces optional).
_NI = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])([A-Za-z]) ?(\d\d) ?(\d\d) ?(\d\d)(?: ?([A-Da-d]))?"
                 r"(?![A-Za-z0-9])")
_NI_NOT_FIRST = frozenset("DFIQUV")
_NI_NOT_SECOND = frozenset("DFIOQUV")
_NI_NOT_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

# -- where someone lives and how to reach them -----------------------------------------
#: Postcode areas of the UK (and Crown dependencies): the letters before the first digit.
POSTCODE_AREAS = frozenset(["AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB", "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE"])
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2})\d[A-Za-z\d]? ?\d([A-Za-z]{2})"
                       r"(?![A-Za-z0-9])")
_INWARD_NOT = frozenset("CIKMOV")
_ORDINALS = frozenset({"st", "nd", "rd", "th"})

# A UK number: +44 / 0044 / 0, then digits with single spaces, hyphens or brackets.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00) ?44 ?(?:\(0\) ?)?|\(?0)\d(?:[ \-]?\(?\)?[ \-]?\d)"
                    r"{7,11}(?![\w])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# A house number, one to three capitalised words, and a street word.
_STREET_ANY_CASE = ("road|street|avenue|lane|crescent|terrace|gardens|grove|mews|boulevard")
_STREET_CAPITAL = ("Rd|St|Ave|Ln|Close|Drive|Dr|Way|Court|Place|Hill|Park|Row|Walk|Square|"
                   "Rise|View|Green|Parade|Vale|Wharf|Yard|Gate|Croft|Meadow|Meadows|Fields|"
                   "Estate|Cottages|Villas|Chase|End|Hollow|Wynd")
_ADDRESS = re.compile(
    r"(?<![\w£$€.,:/-])(?:[Ff]lat \d{1,4}[A-Za-z]?,? )?\d{1,4}[A-Za-z]?,? +"
    r"((?:(?:St\.? )?[A-Z][A-Za-z'’-]+ +){1,3})"
    rf"(?:(?i:{_STREET_ANY_CASE})|{_STREET_CAPITAL})\b"
)
#: "2 Family Court hearings" is about courts, not addresses.
_NOT_STREET_BEFORE_COURT = frozenset({"family", "crown", "youth", "magistrates", "county",
                                      "high", "supreme", "juvenile"})

# -- dates of birth -----------------------------------------------------------------------
_MONTH = (r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|May|MAY)")
_ORD = r"(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"                       # 12/03/2015, 12.3.15
    r"|\d{4}-\d{1,2}-\d{1,2}"                                          # 2015-03-12
    rf"|\d{{1,2}}{_ORD}(?: of)? +{_MONTH}\.?(?:,? +(?:\d{{4}}|'?\d{{2}}))?"  # 12th March 2015
    rf"|{_MONTH}\.? +\d{{1,2}}{_ORD}(?:,? +\d{{4}})?"                   # March 12th, 2015
    rf"|{_MONTH} +\d{{4}}"                                             # March 2015
    r")(?![\w/-])"
)
_MONTH_YEAR = re.compile(rf"{_MONTH} +\d{{4}}")
_BIRTH_WORDS = re.compile(
    r"(?i)\b(?:born|d\.? ?o\.? ?b\b\.?|date +of +birth|birth ?date|birthday|b'?day)\W*",
)
_AGED = re.compile(r"(?i)\baged\b")
_LABEL_AFTER = re.compile(r"(?i)\W{0,3}(?:d\.? ?o\.? ?b\b|date +of +birth|birthday)")
_SENTENCE_END = re.compile(r"[.!?;]\s|\n\s*\n")
BEFORE = 40   # characters a birth word may come before the date
AGED_BEFORE = 30


def _upn(text: str) -> Iterator[Hit]:
    for m in _UPN.finditer(text):
        from stdnum.gb import upn  # imported when a candidate appears (it is slow to load)

        if upn.is_valid(m.group().upper()):
            yield m.start(), m.end(), UPN


def _nhs(text: str) -> Iterator[Hit]:
    for m in _NHS.finditer(text):
        from stdnum.gb import nhs

        if nhs.is_valid(m.group().replace(" ", "").replace("-", "")):
            yield m.start(), m.end(), NHS


def _ni(text: str) -> Iterator[Hit]:
    for m in _NI.finditer(text):
        first, second, suffix = m.group(1), m.group(2), m.group(6)
        prefix = (first + second).upper()
        if prefix[0] in _NI_NOT_FIRST or prefix[1] in _NI_NOT_SECOND or prefix in _NI_NOT_PREFIX:
            continue
        if suffix is None and not (first + second).isupper():
            continue  # "at 12 34 56" is not an NI number; "AB 12 34 56" may be
        yield m.start(), m.end(), NI


def _postcode(text: str) -> Iterator[Hit]:
    for m in _POSTCODE.finditer(text):
        area, inward = m.group(1), m.group(2)
        if area.upper() not in POSTCODE_AREAS or set(inward.upper()) & _INWARD_NOT:
            continue
        if not m.group().isupper() and inward.lower() in _ORDINALS:
            continue  # "W1 2nd floor"
        yield m.start(), m.end(), POSTCODE


def _phone(text: str) -> Iterator[Hit]:
    for m in _PHONE.finditer(text):
        digits = "".join(c for c in m.group() if c.isdigit())
        if digits.startswith("0044"):
            digits = digits[2:]
        if digits.startswith("44"):
            digits = digits[2:]
            digits = digits if digits.startswith("0") else "0" + digits
        if len(digits) in (10, 11) and digits[0] == "0" and digits[1] in "1235789":
            yield m.start(), m.end(), PHONE


def _email(text: str) -> Iterator[Hit]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), EMAIL


def _address(text: str) -> Iterator[Hit]:
    for m in _ADDRESS.finditer(text):
        words = m.group(1).split()
        if m.group().endswith("Court") and words[-1].lower() in _NOT_STREET_BEFORE_COURT:
            continue
        yield m.start(), m.end(), ADDRESS


def _dob(text: str) -> Iterator[Hit]:
    for m in _DATE.finditer(text):
        start, end = m.start(), m.end()
        if _near_birth_word(text, start, end):
            yield start, end, DOB


def _near_birth_word(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - BEFORE):start]
    for word in _BIRTH_WORDS.finditer(before):
        if not _SENTENCE_END.search(before, word.end()):
            return True
    if not _MONTH_YEAR.fullmatch(text, start, end):  # "aged 12 in March 2026" is fine
        recent = text[max(0, start - AGED_BEFORE):start]
        for word in _AGED.finditer(recent):
            if not _SENTENCE_END.search(recent, word.end()):
                return True
    return bool(_LABEL_AFTER.match(text, end))


#: Cheap tests that say a finder cannot match, so most prose skips most patterns
#: (plain substring tests and patterns that start with a digit are the fast ones).
_LONG_NUMBER = re.compile(r"\d[\d ()-]{4,}\d")
_NUMBER_THEN_CAPITAL = re.compile(r"\d[A-Za-z]?,? +[A-Z]")
_DIGIT_THEN_LETTERS = re.compile(r"\d[A-Za-z]{2}\b")
_BIRTH_WORDS_LOWER = ("born", "dob", "d.o.b", "d o b", "birth", "bday", "b'day", "aged")


def find_identifiers(text: str) -> list[Hit]:
    """Every identifier in ``text``; where two overlap, the first finder's wins."""
    finders = []
    long_number = _LONG_NUMBER.search(text) is not None
    if long_number:
        finders += [_upn, _nhs, _ni]
    if _DIGIT_THEN_LETTERS.search(text):
        finders.append(_postcode)
    if long_number:
        finders.append(_phone)
    if "@" in text:
        finders.append(_email)
    if _NUMBER_THEN_CAPITAL.search(text):
        finders.append(_address)
    lower = text.lower()
    if any(word in lower for word in _BIRTH_WORDS_LOWER):
        finders.append(_dob)
    hits: list[Hit] = []
    for finder in finders:
        for hit in finder(text):
            if not any(hit[0] < other[1] and other[0] < hit[1] for other in hits):
                hits.append(hit)
    hits.sort()
    return hits
