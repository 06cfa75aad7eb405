"""Street vocabularies for :mod:`mhds.steps.pii.addresses`.

``STREET_SUFFIXES`` are the primary street suffix names and their standard abbreviations of
USPS Publication 28, Appendix C1 (https://pe.usps.com/text/pub28/28apc_002.htm; a work of the
US government, public domain). ``STREET_WORDS_BEFORE`` and ``STREET_ENDINGS`` are the common
street words of other countries' addresses, written before the name ("Via Tasso 129",
"Calle Mayor 5") or as the end of one word ("Magrethevej 298", "Hauptstraße 4").
"""

from __future__ import annotations

_PRIMARY = """alley anex arcade avenue bayou beach bend bluff bluffs bottom boulevard branch bridge
brook brooks burg burgs bypass camp canyon cape causeway center centers circle circles cliff
cliffs club common commons corner corners course court courts cove coves creek crescent crest
crossing crossroad crossroads curve dale dam divide drive drives estate estates expressway
extension extensions fall falls ferry field fields flat flats ford fords forest forge forges
fork forks fort freeway garden gardens gateway glen glens green greens grove groves harbor
harbors haven heights highway hill hills hollow inlet island islands isle junction junctions
key keys knoll knolls lake lakes land landing lane light lights loaf lock locks lodge loop mall
manor manors meadow meadows mews mill mills mission motorway mount mountain mountains neck
orchard oval overpass park parks parkway parkways pass passage path pike pine pines place plain
plains plaza point points port ports prairie radial ramp ranch rapid rapids rest ridge ridges
river road roads route row rue run shoal shoals shore shores skyway spring springs spur spurs
square squares station stravenue stream street streets summit terrace throughway trace track
trafficway trail trailer tunnel turnpike underpass union unions valley valleys viaduct view
views village villages ville vista walk walks wall way ways well wells"""
_ABBREVIATIONS = """aly anx arc ave byu bch bnd blf blfs btm blvd br brg brk brks bg bgs byp cp cyn
cpe cswy ctr ctrs cir cirs clf clfs clb cmn cmns cor cors crse ct cts cv cvs crk cres crst xing
xrd xrds curv dl dm dv dr drs est ests expy ext exts fls fry fld flds flt flts frd frds frst frg
frgs frk frks ft fwy gdn gdns gtwy gln glns grn grns grv grvs hbr hbrs hvn hts hwy hl hls holw
inlt is iss jct jcts ky kys knl knls lk lks lndg ln lgt lgts lf lck lcks ldg mnr mnrs mdw mdws
ml mls msn mtwy mt mtn mtns nck orch opas pkwy psge pne pnes pl pln plns plz pt pts prt prts pr
radl rnch rpd rpds rst rdg rdgs riv rd rds rte shl shls shr shrs skwy spg spgs sq sqs sta stra
strm st sts smt ter trwy trce trak trfy trl trlr tunl tpke upas un uns vly vlys via vis vl vlg
vlgs vw vws wl wls"""
#: Title-case suffixes as written after a street name ("Albert St", "Oak Ridge Lane").
STREET_SUFFIXES: tuple[str, ...] = tuple(
    sorted({w.capitalize() for w in (_PRIMARY + " " + _ABBREVIATIONS).split()}, key=len)[::-1]
)
#: Street words written before the name, with their usual abbreviations.
STREET_WORDS_BEFORE: tuple[str, ...] = (
    "Via", "Viale", "Piazza", "Piazzale", "Corso", "Largo", "Vicolo", "Contrada", "Rue",
    "Avenue", "Boulevard", "Chemin", "Allée", "Impasse", "Place", "Quai", "Calle", "Avenida",
    "Avda.", "Av.", "Ctra.", "Carretera", "Camino", "Paseo", "Pasaje", "Plaza", "Ronda",
    "Travesía", "Glorieta", "Cuesta", "Cruce", "Urbanización", "Rambla", "Rúa", "Rua", "Carrer",
    "Passeig", "Travessera", "Praça", "Estrada", "Alameda", "ul.", "al.", "os.", "pl.",
    "Pl.", "Ulica", "Aleja", "Avinguda", "Al.", "Ul.", "Os.",
)  # fmt: skip
#: Street words of ``STREET_WORDS_BEFORE`` that French, Spanish and Portuguese addresses also
#: write in lower case ("29 rue de Tanger", "calle Mayor 5").
STREET_WORDS_BEFORE_LOWER: tuple[str, ...] = (
    "rue", "chemin", "allée", "impasse", "quai", "avenue", "boulevard", "calle", "avenida",
    "rua", "rúa", "carrer",
)  # fmt: skip
#: Street words written as a word of their own after the name ("Rákóczi út 96",
#: "Berliner Straße 5", "Petőfi utca 3").
STREET_WORDS_AFTER: tuple[str, ...] = (
    "Straße", "Strasse", "Str.", "Weg", "Allee", "Platz", "Gasse", "Damm", "Ufer", "utca", "út",
    "tér", "körút", "sétány", "köz", "Laan", "Straat", "Gracht", "Kade", "Vej", "Gade",
)  # fmt: skip
#: Street words written as the end of one word ("Hauptstraße", "Magrethevej", "Salontie").
STREET_ENDINGS: tuple[str, ...] = (
    "straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "damm", "ring", "ufer",
    "steig", "vej", "gade", "vænget", "stræde", "tie", "katu", "kuja", "polku", "gatan",
    "vägen", "väg", "gränd", "veien", "vegen", "gata", "laan", "straat", "plein", "gracht",
    "kade", "utca", "út",
)  # fmt: skip
#: Endings of place names in English and European toponymy ("Kingston", "Portsmouth",
#: "Hamburg", "Springfield"): a capitalised word with one of them, after a place preposition,
#: is read as a place.
PLACE_ENDINGS: tuple[str, ...] = (
    "ton", "ville", "chester", "caster", "cester", "mouth", "haven", "burgh", "borough",
    "brough", "bury", "berg", "burg", "furt", "shire", "field", "ford", "port", "view", "stadt",
    "stad", "dorf", "hausen", "heim", "wick", "wich", "thorpe", "combe", "pool", "bridge",
    "fort", "town", "polis", "grad", "abad", "pur", "nagar", "side", "land", "minster",
    "by", "bourg", "court", "mont", "fjord", "vik",
)  # fmt: skip
