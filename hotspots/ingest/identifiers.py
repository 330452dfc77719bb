"""The identifier guard: direct identifiers in column names, column contents and free text.

Direct identifiers never enter the database (DESIGN.md): names, dates of birth, phone numbers,
e-mail addresses, full postcodes or house-number addresses of young people, NHS numbers and
police references of people. Three uses share the patterns below:

* `header_identifier` names the identifier a column heading announces ("Surname", "DOB");
* `column_identifier` says whether most of a column's values are identifiers;
* `find_identifiers` / `redact` find them inside free text (notes), for refusing or redacting.

The patterns catch the usual written forms; they are a guard, not a guarantee. A first name on
its own ("seen with Jordan") is not caught, to keep ordinary notes importable; a first name
followed by a surname ("Jordan Smith"), a title ("Mr Smith") or "called Smith" is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

#: Identifier kind -> how messages name it.
IDENTIFIER_KINDS: Final[dict[str, str]] = {
    "person_name": "a person's name",
    "date_of_birth": "a date of birth",
    "phone": "a phone number",
    "email": "an e-mail address",
    "postcode": "a full postcode",
    "address": "a house-number address",
    "nhs_number": "an NHS number",
    "police_reference": "a police reference (PNC ID)",
    "vehicle_registration": "a vehicle registration",
}

#: What free text (notes) is scanned for.
TEXT_KINDS: Final[tuple[str, ...]] = tuple(IDENTIFIER_KINDS)
#: What the columns of records about young people (sightings, profiles) are checked for.
PERSON_RECORD_KINDS: Final[tuple[str, ...]] = (
    "person_name", "date_of_birth", "phone", "email", "postcode", "address", "nhs_number",
    "police_reference",
)  # fmt: skip
#: Records about places (premises, areas, context layers): business addresses, phone numbers
#: and place names are public, so only identifiers of people are refused.
PLACE_RECORD_KINDS: Final[tuple[str, ...]] = ("person_name", "date_of_birth", "nhs_number")

#: A column is an identifier column when at least this share of its sampled values are.
COLUMN_SHARE: Final[float] = 0.5
COLUMN_SAMPLE: Final[int] = 2_000

# Common first names (ONS lists), without those that are also ordinary words (Amber, Mark,
# Will, Grace...) which would refuse notes about places and things.
_FIRST_NAMES: Final[tuple[str, ...]] = (
    "Aaron", "Abigail", "Adam", "Aidan", "Aimee", "Alex", "Alexander", "Alfie", "Alice", "Amelia",
    "Amy", "Andrew", "Anna", "Archie", "Ashley", "Ava", "Bethany", "Ben", "Benjamin", "Bradley",
    "Brandon", "Caitlin", "Callum", "Cameron", "Charlie", "Charlotte", "Chloe", "Chris",
    "Christopher", "Connor", "Courtney", "Craig", "Daniel", "Danielle", "David", "Declan",
    "Demi", "Dylan", "Eleanor", "Ella", "Ellie", "Emily", "Emma", "Ethan", "Evie", "Freya",
    "Gemma", "George", "Georgia", "Hannah", "Harry", "Harvey", "Hayley", "Isaac", "Isabel",
    "Isabella", "Isla", "Jack", "Jacob", "Jake", "James", "Jamie", "Jasmine", "Jayden", "Jessica",
    "Joe", "John", "Jordan", "Joseph", "Joshua", "Kayleigh", "Kieran", "Kyle", "Laura", "Lauren",
    "Leah", "Lewis", "Liam", "Lily", "Logan", "Louis", "Lucy", "Luke", "Mason", "Matthew", "Megan",
    "Mia", "Michael", "Mohammed", "Muhammad", "Nathan", "Niamh", "Noah", "Oliver", "Olivia",
    "Oscar", "Paige", "Rebecca", "Reece", "Rhys", "Riley", "Robert", "Ryan", "Sam", "Samuel",
    "Sarah", "Scott", "Shannon", "Sophie", "Sophia", "Stephen", "Thomas", "Toby", "Tyler",
    "Zara", "Zoe", "Jane", "Mary", "Kelly", "Lisa", "Karen", "Paul", "Peter", "Tom", "Ali",
    "Ahmed", "Imran", "Hassan", "Adil", "Amir", "Bilal", "Omar", "Tariq", "Kevin", "Gary", "Lee",
    "Darren", "Wayne", "Steven", "Anthony", "Richard", "Simon", "Jason", "Dean", "Shane", "Ian",
    "Neil", "Carl", "Danny", "Tony", "Nicola", "Claire", "Michelle", "Stacey", "Kirsty", "Leanne",
    "Natalie", "Amanda", "Julie", "Tracy", "Donna", "Aisha", "Fatima", "Ayesha", "Maryam",
    "Zainab", "Hamza", "Yusuf", "Ibrahim", "Usman", "Zain", "Sadia", "Asif", "Shabir", "Kamran",
)  # fmt: skip

#: Capitalised words that follow "called" or a first name without being a surname.
_NOT_SURNAMES: Final[str] = (
    r"(?!(?:Police|Social|Services|Care|School|College|Council|Street|Road|Lane|Avenue|Park|"
    r"Hotel|Taxi|Taxis|Cars|House|Court|Centre|Station|Ambulance|The|A|An|His|Her|Him|Them|"
    r"They|She|He|It|We|On|In|At|And|Or|But|To|From|With|Was|Is|Were)\b)"
)
_STREET_WORDS: Final[str] = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Cl|Drive|Dr|Way|Grove|Terrace|Crescent|"
    r"Cres|Place|Pl|Court|Ct|Gardens|Gdns|Walk|Square|Sq|Mews|Hill|Parade|Brow|Fold|View|Rise|"
    r"Green|Row|Vale|Croft|Meadow|Meadows|Bank|Boulevard)"
)

_WORD: Final[str] = r"[A-Z][a-z'’-]+"
_SURNAME: Final[str] = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?\b"

#: kind -> patterns that find it in text.
_TEXT_PATTERNS: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "email": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),),
    "phone": (
        re.compile(r"(?<![\w.+/])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\(?0)\d\)?(?:[ -]?\d){8,9}(?!\d)"),
    ),
    "nhs_number": (re.compile(r"(?<![\w/.-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w/])"),),
    "postcode": (
        re.compile(
            r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
        ),
    ),
    "address": (
        re.compile(
            r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}" + _STREET_WORDS + r"\b\.?"
        ),
        re.compile(r"\b(?:flat|apartment|apt)\s+\d+[A-Za-z]?\b", re.IGNORECASE),
    ),
    "date_of_birth": (
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*"
            r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\s+\d{4})",
            re.IGNORECASE,
        ),
        re.compile(r"\bd\.?o\.?b\b\.?|\bdate\s+of\s+birth\b", re.IGNORECASE),
    ),
    "person_name": (
        re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?"),
        re.compile(r"\b(?:named|called|known as|aka|a\.k\.a\.)\s+" + _NOT_SURNAMES + _WORD),
        re.compile(r"\b(?:" + "|".join(_FIRST_NAMES) + r")\s+" + _NOT_SURNAMES + _SURNAME),
        re.compile(r"^[A-Z][a-z'’-]+,\s+[A-Z][a-z'’-]+$"),  # "Smith, Jane" as a whole value
    ),
    "police_reference": (re.compile(r"\b\d{2}/\d{1,7}[A-Z]\b"),),
    "vehicle_registration": (
        re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", re.IGNORECASE),  # current: AB12 CDE
        re.compile(r"\b[A-Z]\d{1,3}\s?[A-Z]{3}\b"),  # prefix: A123 BCD
        re.compile(r"\b[A-Z]{3}\s?\d{1,3}[A-Z]\b"),  # suffix: ABC 123D
    ),
}  # fmt: skip

#: Column headings (normalised: lower case, words split by single spaces) per kind.
_HEADER_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "person_name": re.compile(
        r"^(?:forenames?|surname|firstname|lastname|fullname|alias(?:es)?|aka|nickname)$"
        r"|\b(?:fore|sur|first|last|given|family|middle|maiden|full|child s?|young person s?|"
        r"person s?|victim s?|suspect s?|offender s?|subject s?|parent s?|carer s?)\s?names?\b"
    ),
    "date_of_birth": re.compile(r"\b(?:dob|d o b|date of birth|birth ?date|birthday|born)\b"),
    "phone": re.compile(r"\b(?:phone|telephone|tel|mobile|mob|phone number|contact number)\b"),
    "email": re.compile(r"\b(?:e ?mail|email address)\b"),
    "postcode": re.compile(r"\b(?:post ?codes?|postal code|zip ?code)\b"),
    "address": re.compile(
        r"\b(?:address(?:es)?|street address|house (?:number|no)|address line \d|addr)\b"
    ),
    "nhs_number": re.compile(r"\b(?:nhs|nhs (?:number|no)|chi number)\b"),
    "police_reference": re.compile(r"\b(?:pnc|pnc id|cro|cro number)\b"),
}
#: A heading that is exactly "name" names a person in records about people.
_BARE_NAME: Final = re.compile(r"^(?:names?)$")

_REDACTION: Final[dict[str, str]] = {
    kind: "[" + phrase.split(" ", 1)[1] + " removed]" for kind, phrase in IDENTIFIER_KINDS.items()
}


#: The same, in the plural (a column "holds phone numbers").
IDENTIFIER_PLURALS: Final[dict[str, str]] = {
    "person_name": "people's names",
    "date_of_birth": "dates of birth",
    "phone": "phone numbers",
    "email": "e-mail addresses",
    "postcode": "full postcodes",
    "address": "house-number addresses",
    "nhs_number": "NHS numbers",
    "police_reference": "police references (PNC IDs)",
    "vehicle_registration": "vehicle registrations",
}


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text, as a span."""

    kind: str
    start: int
    end: int

    @property
    def what(self) -> str:
        return IDENTIFIER_KINDS[self.kind]


def _nhs_checksum_ok(digits: str) -> bool:
    """NHS numbers carry a modulus-11 check digit; most ten-digit numbers do not pass."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def find_identifiers(text: str, kinds: Iterable[str] = TEXT_KINDS) -> list[Finding]:
    """Every identifier of the given kinds in `text`, overlaps merged, in order.

    >>> [f.kind for f in find_identifiers("Call 07700 900123 or jo@example.org")]
    ['phone', 'email']
    >>> find_identifiers("Seen getting into a car with older males.")
    []
    """
    if not text:
        return []
    found: list[Finding] = []
    for kind in kinds:
        for pattern in _TEXT_PATTERNS[kind]:
            for match in pattern.finditer(text):
                if kind == "nhs_number" and not _nhs_checksum_ok(re.sub(r"\D", "", match[0])):
                    continue
                found.append(Finding(kind, match.start(), match.end()))
    found.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in found:
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            if finding.end > last.end:
                merged[-1] = Finding(last.kind, last.start, finding.end)
            continue
        merged.append(finding)
    return merged


def redact(text: str, kinds: Iterable[str] = TEXT_KINDS) -> tuple[str, list[Finding]]:
    """The text with each identifier replaced by a marker, and what was replaced.

    >>> redact("Contact mum on 01204 123456.")[0]
    'Contact mum on [phone number removed].'
    """
    findings = find_identifiers(text, kinds)
    if not findings:
        return text, []
    parts, position = [], 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(_REDACTION[finding.kind])
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), findings


def describe(findings: Sequence[Finding]) -> str:
    """'a phone number and an e-mail address' (each kind once, in order found)."""
    phrases = list(dict.fromkeys(f.what for f in findings))
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def normalise_header(header: str) -> str:
    """'Date_of-Birth ' -> 'date of birth'; "Child's name" -> 'child s name'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(header).lower()).split())


def header_identifier(header: str, *, person_records: bool) -> str | None:
    """The identifier kind a column heading announces, or None.

    `person_records` is True for records about young people (sightings, profiles), where
    addresses, postcodes, phone numbers and a bare "Name" are refused too.

    >>> header_identifier("Surname", person_records=False)
    'person_name'
    >>> header_identifier("Name", person_records=True)
    'person_name'
    >>> header_identifier("Name", person_records=False) is None
    True
    >>> header_identifier("LSOA name", person_records=True) is None
    True
    """
    text = normalise_header(header)
    kinds = PERSON_RECORD_KINDS if person_records else PLACE_RECORD_KINDS
    if person_records and _BARE_NAME.match(text):
        return "person_name"
    for kind in kinds:
        pattern = _HEADER_PATTERNS.get(kind)
        if pattern is not None and pattern.search(text):
            return kind
    return None


@dataclass(frozen=True)
class ColumnFinding:
    """A column most of whose values are identifiers of one kind."""

    kind: str
    matches: int
    sampled: int

    @property
    def what(self) -> str:
        return IDENTIFIER_KINDS[self.kind]


def column_identifier(
    values: Sequence[str], kinds: Iterable[str], *, share: float = COLUMN_SHARE
) -> ColumnFinding | None:
    """Whether at least `share` of the non-empty values (first COLUMN_SAMPLE) hold one kind
    (and at least three, or every value, do).

    >>> column_identifier(["07700 900123", "01204 555123", ""], ["phone"]).matches
    2
    >>> column_identifier(["SYN-S-0000001", "SYN-S-0000002"], PERSON_RECORD_KINDS) is None
    True
    """
    sample = [v for v in values if v][:COLUMN_SAMPLE]
    if not sample:
        return None
    kinds = tuple(kinds)
    unique = list(dict.fromkeys(sample))
    kinds_of = {value: {f.kind for f in find_identifiers(value, kinds)} for value in unique}
    best: ColumnFinding | None = None
    for kind in kinds:
        matches = sum(1 for v in sample if kind in kinds_of[v])
        # Half the values, and at least three of them or all: one odd value among a few is
        # a row's problem (rejected by its field's rule), not a column of identifiers.
        enough = matches >= share * len(sample) and (matches >= 3 or matches == len(sample))
        if enough and (best is None or matches > best.matches):
            best = ColumnFinding(kind, matches, len(sample))
    return best
