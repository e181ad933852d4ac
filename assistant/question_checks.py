"""Questions the corpus cannot be asked: another language, or a web address.

The corpus and the embedding model (all-MiniLM-L6-v2) are English. A question in Spanish
or German is embedded as noise and gets an English answer to something else; a pasted
URL is searched as if its letters were words. Both are told in one English sentence
instead, before anything is searched. The checks are deliberately plain — a script
test and common function words per language — so their decisions can be read and
tested; an English question that merely names a foreign place or word is not refused.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import BadInputError

#: A URL or a bare web address ("https://…", "www.…", "example.com/page").
_URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)\S+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|edu|gov|co|ai|app|blog|uk|de|fr)/\S*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")  # "d'une" is "d" and "une"
#: English function words: a question that uses them is English whatever else it names.
_ENGLISH_WORDS = """the a an is are was were be been do does did what which who whom how
    why when where
    should would could can will i me my you your we our they their it its this that these
    those of to in on for with about from into as at by or and but not if than then there
    have has had am"""
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
#: Function words of the languages a reader here is likeliest to write in, none of them
#: also an English word ("was", "die", "also", "come", "on" are left out on purpose).
_FOREIGN = {
    "Spanish": "el la los las un una unos que qué es son está estoy como cómo para por "
    "pero más muy mi mis tu su sus del al lo le les se hay ser hacer hace puedo debo "
    "cuál cuáles quién dónde cuándo porque yo usted nosotros de en con sin trabajo ingeniero "
    "carrera gerente",
    "German": "der das ein eine einen einem ist sind nicht ich du wir sie und oder aber "
    "mit für von zu zum zur auf wie warum wann wo welche welcher welches kann soll "
    "sollte möchte bin werden wird auch noch nach bei über mein meine macht machen gibt "
    "habe hat muss sein ingenieur beruf",
    "French": "le les une des est sont je tu nous vous ils elle et ou mais avec pour "
    "dans sur qui quoi quel quelle comment pourquoi quand où peut dois devrais suis "
    "être devenir faire fait ce cette mon ma mes de du au aux en ingénieur carrière",
    "Portuguese": "o os um uma umas uns que é são está estou como para por mas mais "
    "muito meu minha seu sua do da dos das no na nos nas eu você devo posso qual "
    "quais quem onde quando porque ser fazer faz de em com engenheiro carreira",
    "Italian": "il lo gli la le un uno una che è sono sto come per ma più molto mio "
    "mia suo sua del della dei degli nel nella io tu noi voi posso devo quale chi "
    "dove quando perché essere fare fa si diventa diventare di con ingegnere carriera",
    "Dutch": "de het een is zijn niet ik jij wij en of maar met voor van naar op hoe "
    "waarom wanneer waar welke kan moet wil ben worden wordt ook nog bij over mijn "
    "ingenieur loopbaan",
}
_FOREIGN_WORDS = {lang: frozenset(words.split()) for lang, words in _FOREIGN.items()}


def find_url(question: str) -> str:
    """The first web address in ``question``, or ""."""
    match = _URL.search(question)
    return match.group(0) if match else ""


def language(question: str) -> str:
    """ "English", or the name of the language (or script) ``question`` is written in.

    A question whose letters are mostly outside the Latin script is not English; one in
    Latin letters is another language when at least two of its distinct words are
    function words of that language and they outnumber its distinct English ones.
    """
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return "English"
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin < len(letters) / 2:
        return _script(letters)
    words = {w.casefold() for w in _WORD.findall(question)}
    english = len(words & _ENGLISH)
    best, hits = "English", 0
    for lang, vocabulary in _FOREIGN_WORDS.items():
        found = len((words & vocabulary) - _ENGLISH)
        if found > hits:
            best, hits = lang, found
    if hits >= 2 and hits > english:
        return best
    return "English"


def _script(letters: list[str]) -> str:
    """The name of the most common script among ``letters`` ("Cyrillic", "CJK", …)."""
    counts: dict[str, int] = {}
    for ch in letters:
        name = unicodedata.name(ch, "UNKNOWN").split()[0]
        counts[name] = counts.get(name, 0) + 1
    script = max(counts, key=lambda k: counts[k])
    named = {"CJK": "Chinese or Japanese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese",
             "HANGUL": "Korean"}  # fmt: skip
    return named.get(script, f"{script.capitalize()} script")


def check_question(question: str) -> None:
    """Refuse, in one English line naming the fix, a question this corpus cannot answer:
    a web address, or a question not in English."""
    url = find_url(question)
    if url:
        raise BadInputError(
            f"the question contains a web address ({url[:60]}); nothing is fetched from the web",
            "drop the file instead: save the page as a file and add it to the corpus (the "
            "page's Documents tab, or the corpus folder and `career-assistant index`)",
        )
    written_in = language(question)
    if written_in != "English":
        raise BadInputError(
            f"the question looks like {written_in}, not English; the corpus and the model are "
            "English",
            "ask it in English",
        )
