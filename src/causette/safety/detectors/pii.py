"""Personal data: phone numbers, e-mails, postal addresses, door codes and floors, school
names and social handles.

Owns: ``pii.phone``, ``pii.email``, ``pii.address``, ``pii.door_code``, ``pii.floor``,
``pii.school``, ``pii.handle`` signals, each with the raw span to mask. Rules:

- A handle is ``params["how"]`` ``app`` when an app is named ("snap: lea_09"), ``at`` for a
  bare "@name" (which is also how one addresses someone in a room).

- Phones are found with ``phonenumbers`` (national forms read as FR then GB, any "+" form)
  on the ``digits`` form, so "zéro six douze..." counts; ``params["type"]`` is ``mobile``,
  ``fixed`` or ``other``.
- A number, an address or a floor in a business frame ("la pharmacie, c'est le 01...")
  is suppressed: a shop's public number is not doxxing.
- An address is personal only next to a residence frame ("j'habite", "my address"); the
  engine also activates it when the other party has just asked for an address.
- A school name counts only after a personal marker ("je suis au", "my school is").
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

from causette.safety.detectors import Frames, Signal
from causette.safety.normalise import Form, Normalised
from causette.safety.rules import Rules

REGIONS = ("FR", "GB")  # national numbers without "+" are read as French, then British
PHONE_CANDIDATE = re.compile(r"\+?\d(?:[\s.\-/()]{0,3}\d){7,14}")
EMAIL = re.compile(
    r"[a-z0-9][a-z0-9._%+-]*\s*(?:@|\(at\)|\[at\]|\{at\}|\sat\s|\sarobase\s)\s*[a-z0-9-]+"
    r"\s*(?:\.|\(dot\)|\[dot\]|\sdot\s|\spoint\s)\s*(?:com|fr|net|org|io|be|ch|ca|co|uk|eu|info|me)\b"
)
ADDRESS = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter)?,?\s*(?:rue|avenue|av|boulevard|bd|impasse|allee|chemin|place|quai"
    r"|route|cours|square|passage|residence|street|road|rd|ave|lane|ln|drive|dr|close|way)\b"
    r"\.?\s+[a-z][\w' -]{2,40}"
)
DOOR_CODE = re.compile(
    r"\b(?:code|digicode|interphone|door code|gate code|building code|code porte|code d entree"
    r"|code de la porte|code de l immeuble)(?: c est| est| is| it s| =)? ?[a-z]?\d{3,6}[a-z]?\b"
)
FLOOR = re.compile(
    r"\b(?:\d{1,2} ?(?:e|eme|er|ere|ieme|th|st|nd|rd)? (?:etage|floor)|(?:etage|floor) \d{1,2}"
    r"|(?:bat|batiment|building|escalier|esc) [a-z0-9]{1,2}|(?:porte|appart|apt|flat) \d{1,4})\b"
)
SCHOOL = re.compile(
    r"\b(?:[Cc]oll[eè]ge|[Ll]yc[ée]e|[ÉéEe]cole|[Ss]chool|[Aa]cademy)\s+"
    r"(?:(?:de |du |des |d'|la |le |Saint[- ]|St[- ]|Sainte[- ])?[A-Z][\w'-]+)(?:[ -][A-Z][\w'-]+)*"
    r"|\b[A-Z][\w'-]+(?: [A-Z][\w'-]+)* (?:High|Middle|Primary|Grammar) School\b"
)
SCHOOL_MARKER = re.compile(
    r"(?:je suis|jsuis|chui|je vais|j vais|moi|mon|ma|my|i go to|i m at|i am at|i attend"
    r"|on est|je suis a|je bosse|ils m ont mis)\W*(?:au|a l|a la|en|at)?\W*$"
)
HANDLE_AT = re.compile(r"(?<![\w.])@([a-z0-9_.]{3,30})\b")
HANDLE_APP = re.compile(
    r"\b(?:snap|snapchat|insta|instagram|ig|tiktok|discord|telegram|twitter|kik|whatsapp)"
    r"\s*(:|c est|c'est|=|->|est|is|it s|it's)?\s*@?([a-z0-9_.]{3,30})\b"
)
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_NOT_HANDLES = frozenset({"toi", "moi", "aussi", "stp", "please", "pls", "svp", "now", "plz"})


def find_phones(form: Form) -> list[tuple[int, int, str]]:
    """Phone numbers in ``form``: (start, end, type) in the form's coordinates."""
    text = form.text
    if sum(map(str.isdigit, text)) < 8:
        return []
    out = []
    for m in PHONE_CANDIDATE.finditer(text):
        cand = re.sub(r"[^\d+]", "", m.group())
        num = None
        valid = False
        for region in REGIONS:
            try:
                num = phonenumbers.parse(cand, region)
            except phonenumbers.NumberParseException:
                continue
            valid = phonenumbers.is_valid_number(num)
            if valid or cand.startswith("+"):
                break
        if num is None:
            continue
        digits = sum(c.isdigit() for c in cand)
        # Reserved or unallocated ranges still identify a line once written out in full.
        if not valid and not (
            (cand.startswith("+") or cand.startswith("0"))
            and digits >= 10
            and phonenumbers.is_possible_number(num)
        ):
            continue
        ntype = phonenumbers.number_type(num)
        kind = (
            "mobile"
            if ntype in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
            else "fixed"
            if ntype == PhoneNumberType.FIXED_LINE
            else "other"
        )
        out.append((m.start(), m.end(), kind))
    return out


def _business(frames: Frames) -> str | None:
    return "business" if frames.has("business") else None


def detect(n: Normalised, rules: Rules, frames: Frames) -> list[Signal]:
    """Personal data in one message."""
    out: list[Signal] = []
    for start, end, kind in find_phones(n.digits):
        span = n.digits.span(start, end)
        out.append(
            Signal("pii.phone", span, n.raw[span[0] : span[1]], {"type": kind}, _business(frames))
        )
    folded = n.folded.text
    if "@" in folded or " at " in folded or "arobase" in folded or "(at)" in folded:
        for m in EMAIL.finditer(folded):
            out.append(Signal("pii.email", n.folded.span(m.start(), m.end()), m.group()))
    has_digit = _DIGIT.search(folded) is not None
    if has_digit:
        for m in ADDRESS.finditer(folded):
            span = n.folded.span(m.start(), m.end())
            why = _business(frames) or (None if frames.has("residence") else "no_residence")
            out.append(Signal("pii.address", span, m.group(), {}, why))
        key = n.key.text
        for m in DOOR_CODE.finditer(key):
            out.append(Signal("pii.door_code", n.key.span(m.start(), m.end()), m.group()))
        for m in FLOOR.finditer(key):
            out.append(
                Signal(
                    "pii.floor", n.key.span(m.start(), m.end()), m.group(), {}, _business(frames)
                )
            )
    if n.raw != n.folded.text and _UPPER.search(n.raw):
        for m in SCHOOL.finditer(n.raw):
            before = n.raw[max(0, m.start() - 25) : m.start()]
            marker = SCHOOL_MARKER.search(before.lower().replace("'", " "))
            why = None if marker else "not_personal"
            out.append(Signal("pii.school", (m.start(), m.end()), m.group(), {}, why))
    if "@" in folded:
        for m in HANDLE_AT.finditer(folded):
            span = n.folded.span(m.start(), m.end())
            out.append(Signal("pii.handle", span, m.group(), {"how": "at"}))
    for m in HANDLE_APP.finditer(folded):
        sep, handle = m.group(1), m.group(2)
        if handle in _NOT_HANDLES:
            continue
        if sep in (":", "=", "->") or any(c in handle for c in "0123456789_."):
            span = n.folded.span(m.start(2), m.end(2))
            overlaps = (s.span and s.span[0] < span[1] and span[0] < s.span[1] for s in out)
            if not any(overlaps):
                out.append(Signal("pii.handle", span, handle, {"how": "app"}))
    return out
