"""Trivia answers: when a guess counts as right, and the hints that lead to an answer.

:func:`normalise` reduces a guess and every accepted answer to a plain form (no case, accents,
punctuation, leading article or number words) so that "The Beatles" matches "beatles" and
"Eight" matches "8"; :func:`is_right` then forgives a small typo in a long word answer, never
in a number. :func:`hint` draws an answer's shape and reveals more of it level by level.
Standard library only; pure and deterministic.
"""

from __future__ import annotations

import re
import unicodedata

from chinwag.bots.games.trivia_questions import MAX_ANSWER, Question

# Beyond any answer's length even after a typo: a longer guess is refused without work, so
# a 10 KB line costs nothing.
_LONGEST_GUESS = 4 * MAX_ANSWER

_APOSTROPHES = frozenset("'`\u00b4\u2018\u2019\u02bc")
_ARTICLES = frozenset({"the", "a", "an"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_BARE_DECIMAL = re.compile(r"(?<![\d.])\.(?=\d)")

# Number words as the digits they stand for; with "hundred" and the scales these spell any
# number an answer needs, and the ordinals cover "Henry the Eighth" and the like.
_SMALL_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip
_SMALL = {word: value for value, word in enumerate(_SMALL_WORDS)}
_TENS = {word: 10 * value for value, word in enumerate(_TENS_WORDS, start=2)}
_SCALES = {"thousand": 1000, "million": 1_000_000}
_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
_ORDINALS = {
    word: f"{value}{_SUFFIXES.get(value, 'th')}"
    for value, word in enumerate(_ORDINAL_WORDS, start=1)
}


def normalise(text: str) -> str:
    """``text`` in the plain form answers are compared in.

    Case folded; accents stripped ("Pokémon" → "pokemon"); apostrophes dropped ("Hadrian's"
    → "hadrians"); other punctuation made a space, except a decimal point or a thousands
    comma inside a number ("1,440" → "1440", ".25" → "0.25"); one leading "the", "a" or "an"
    dropped when more words follow; number words made digits ("twenty-one" → "21", "two
    hundred and six" → "206", "eighth" → "8th"); spaces collapsed.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = _BARE_DECIMAL.sub("0.", _THOUSANDS.sub("", plain))
    kept: list[str] = []
    for index, ch in enumerate(plain):
        if ch.isalnum():
            kept.append(ch)
        elif ch in _APOSTROPHES:
            continue
        elif ch == "." and _digit_at(plain, index - 1) and _digit_at(plain, index + 1):
            kept.append(ch)
        elif ch == "&":
            kept.append(" and ")
        else:
            kept.append(" ")
    words = "".join(kept).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(_numbers_as_digits(words))


def is_right(guess: str, question: Question) -> bool:
    """Whether ``guess`` answers ``question``.

    Right when its :func:`normalise` form equals an accepted answer's, or for words, when
    it does but for spaces ("homepage", "home page") or differs by one typo (an insertion,
    deletion, substitution or swap of neighbours) from an answer of 5 letters or more, by
    two from one of 10 or more. An answer or guess with a digit in it must match exactly: a
    number is right or wrong. An empty guess is never right.
    """
    if len(guess) > _LONGEST_GUESS:
        return False
    said = normalise(guess)
    if not said:
        return False
    return any(_matches(said, normalise(answer)) for answer in question.answers)


def hint(answer: str, level: int) -> str:
    """A hint for ``answer`` at ``level`` (1, 2, ...): plain text for the room.

    Level 1 is the shape: every letter and digit an underscore, one space between characters
    and three between words, punctuation shown (``Hadrian's`` → ``_ _ _ _ _ _ _ ' _``). Level
    2 reveals each word's first letter, and every later level a few more letters; no level
    reveals more than half of them, so a hint is never the answer. Deterministic.
    Raises :class:`ValueError` for a level below 1.
    """
    if level < 1:
        raise ValueError(f"hint level must be 1 or more, got {level}")
    words = answer.split()
    firsts: list[tuple[int, int]] = []
    rest: list[tuple[int, int]] = []
    for w, word in enumerate(words):
        letters = [(w, c) for c, ch in enumerate(word) if ch.isalnum()]
        firsts.extend(letters[:1])
        rest.extend(letters[1:])
    # After the first letters, reveal every third of the remaining ones, then the next
    # third, so what shows is spread over the answer rather than bunched at its start.
    spread = sorted(range(len(rest)), key=lambda k: ((k + 1) % 3, k))
    order = firsts + [rest[k] for k in spread]
    total = len(order)
    shown = 0
    if level >= 2:
        shown = min(total // 2, len(firsts) + (level - 2) * max(1, total // 6))
    revealed = set(order[:shown])
    return "   ".join(
        " ".join(ch if (w, c) in revealed or not ch.isalnum() else "_" for c, ch in enumerate(word))
        for w, word in enumerate(words)
    )


def _digit_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isdigit()


def _numbers_as_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _ORDINALS:
            out.append(_ORDINALS[word])
            index += 1
            continue
        value, used = _read_number(words, index)
        if used:
            out.append(str(value))
            index += used
        else:
            out.append(word)
            index += 1
    return out


def _read_number(words: list[str], start: int) -> tuple[int, int]:
    """The number spelled by the words from ``start`` and how many words it took (0: none).

    A small grammar, enough for answers: "twenty one", "one hundred and forty seven", "two
    thousand and six". Words that cannot continue the number end it ("one one" is 1, 1).
    """
    total = current = 0
    last = ""  # the kind of the word before: "small", "tens", "hundred" or "scale"
    index = start
    used = 0
    while index < len(words):
        word = words[index]
        if word == "and" and last in {"hundred", "scale"} and index + 1 < len(words):
            following = words[index + 1]
            if following in _TENS or _SMALL.get(following, 0) > 0:
                index += 1
                word = following
            else:
                break
        if word in _SMALL:
            value = _SMALL[word]
            if last == "small" or (last == "tens" and value >= 10) or (value == 0 and last):
                break
            current += value
            last = "small"
        elif word in _TENS:
            if last in {"small", "tens"}:
                break
            current += _TENS[word]
            last = "tens"
        elif word == "hundred":
            if last == "hundred" or current >= 100:
                break
            current = (current or 1) * 100
            last = "hundred"
        elif word in _SCALES:
            if last == "scale" and current == 0:
                break
            total += (current or 1) * _SCALES[word]
            current = 0
            last = "scale"
        else:
            break
        index += 1
        used = index - start
    return total + current, used


def _matches(said: str, answer: str) -> bool:
    if not answer:
        return False
    if said == answer:
        return True
    if any(ch.isdigit() for ch in said) or any(ch.isdigit() for ch in answer):
        return False
    if said.replace(" ", "") == answer.replace(" ", ""):
        return True
    letters = sum(ch.isalnum() for ch in answer)
    allowed = 2 if letters >= 10 else 1 if letters >= 5 else 0
    return allowed > 0 and _within_edits(said, answer, allowed)


def _within_edits(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` in at most ``limit`` edits, a swap of neighbours counting
    as one (optimal string alignment distance)."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > limit:
            return False
        before, previous = previous, row
    return previous[len(b)] <= limit
