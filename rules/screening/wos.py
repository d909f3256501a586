"""Abbreviations of Web of Science / Scopus addresses and other extra vocabulary.

Web of Science prints addresses in a fixed abbreviated style ("Chinese Acad Sci, Natl Time
Serv Ctr, Xian 710600, Peoples R China"): its word abbreviations are spelled out before
matching, like the ones in :data:`rules.screening.vocab.ABBREVIATIONS`. Only abbreviations
that are not themselves words of listed names are here (no "mat", "gen", "div", "proc").
"""

from __future__ import annotations

WOS_ABBREVIATIONS: dict[str, str] = {
    "serv": "service",
    "syst": "system",
    "microsyst": "microsystem",
    "phys": "physics",
    "chem": "chemistry",
    "biol": "biology",
    "med": "medical",
    "math": "mathematics",
    "opt": "optics",
    "photon": "photonics",
    "appl": "applied",
    "environm": "environment",
    "nucl": "nuclear",
    "radiat": "radiation",
    "pharmacol": "pharmacology",
    "toxicol": "toxicology",
    "microbiol": "microbiology",
    "epidemiol": "epidemiology",
    "biotechnol": "biotechnology",
    "bioengn": "bioengineering",
    "precis": "precision",
    "instrum": "instrument",
    "meas": "measurement",
    "aerosp": "aerospace",
    "astron": "astronomy",
    "optoelect": "optoelectronic",
    "semicond": "semiconductor",
    "mfg": "manufacturing",
    "minist": "ministry",
    "educ": "education",
    "geophys": "geophysics",
    "oceanog": "oceanography",
    "pla": "pla",
}

#: Abbreviations with several readings (matched to any of them, like vocab.AMBIGUOUS).
WOS_AMBIGUOUS: dict[str, frozenset[str]] = {
    "comp": frozenset({"computer", "computing", "computational"}),
}

#: Chinese city names written as two pinyin syllables ("Cheng Du", "Bei Jing"), joined.
SPLIT_PINYIN: dict[tuple[str, ...], tuple[str, ...]] = {
    tuple(pair.split()): ("".join(pair.split()),)
    for pair in (
        "bei jing",
        "shang hai",
        "tian jin",
        "cheng du",
        "chong qing",
        "nan jing",
        "guang zhou",
        "shen zhen",
        "hang zhou",
        "wu han",
        "chang sha",
        "shen yang",
        "da lian",
        "he fei",
        "ha erbin",
        "qing dao",
    )
}

#: Words that qualify an organisation's kind without naming it: "Imam Hossein Comprehensive
#: University" is Imam Hossein University. Treated like "National" or "State".
EXTRA_SEMI_GENERIC: frozenset[str] = frozenset({"comprehensive"})
