"""Regex sources and cue words of :mod:`mhds.steps.pii.patterns` (compiled there, once).

Speed: a pattern whose first element is a literal or a character class lets Python's regex
engine skip ahead with a fast prefix scan, so most patterns start with ``[0-9]`` or a literal
and test the character before them with a lookbehind placed after that first character. The
patterns that cannot (URLs, e-mails, introductions) run only on tokens or windows with a cue.
"""

from __future__ import annotations

from mhds.steps.pii.keep_terms import US_STATE_CODES, US_STATE_NAMES

#: Placeholders the redactor writes; never matched, in either mode.
PLACEHOLDER = r"\[[A-Z_]+_\d+\]"

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
YEAR = r"(?:19|20)[0-9]{2}"
_UPPER = r"[A-ZÀ-ÖØ-Þ]"
_LETTERS = r"[^\W\d_]+"
NAME = rf"(?:{_UPPER}['’])?{_UPPER}{_LETTERS}(?:-{_LETTERS})*"
NAMES = rf"(?:{_UPPER}\.[ \t]*)?{NAME}(?:[ \t]+(?:{_UPPER}\.[ \t]+)?{NAME}){{0,2}}"
#: Titles before a name, English and of the languages around it ("Herr", "Ing.", "Mme", "Sra.").
TITLE = (
    r"(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Professor|Doctor|Rev|Judge|Herr|Frau|Ing|Dipl\.-Ing"
    r"|Univ\.-?Prof|Mag|Mme|Mlle|Sra|Srta|Sr)"
)
_NOT_NAME = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Today|Tomorrow|Tonight"
    r"|Later|Back|Again|Anytime|Whenever|Anything|Whatever|Everyone|All|So|Much|God|Not)\b)"
)
_UNIT = (
    r"(?:%|(?:percent|mg|mcg|ml|g|kg|kilos?|lbs?|pounds|mph|km|miles|minutes|mins?|hours?|hrs?"
    r"|days|weeks|months|degrees|dollars|bucks|times|points|feet|ft|cm|inches|calories|pages"
    r"|steps|units|k)\b)"
)
TLDS = (
    r"com|net|org|edu|gov|mil|int|info|biz|io|co|us|uk|ca|au|nz|ie|de|fr|es|nl|se|ch|eu|me|tv"
    r"|ly|app|dev|ai|health|care|online|site|xyz|tech|blog|life|live|email|page|website|space"
    r"|store|shop|club|studio|design|today|world|news|coach|therapy|clinic|center|mx|br|jp|za"
)
# lower or upper case: a capitalized "Online" or "Therapy" after a full stop starts a sentence
_TLD = rf"(?:{TLDS}|{TLDS.upper()}|Com|Org|Net|Edu|Gov)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\."
_URL_CHAR = r"[^\s<>\"'\[\]]"

#: An e-mail address; its name may carry Markdown's escapes ("jane\_doe@gmail.com").
EMAIL = (
    r"(?<![\w.%+-])[\w.%+-]+(?:\\[_*~][\w.%+-]*)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
    r"(?![\w-])"
)
URL = (
    rf"(?:https?|ftp)://{_URL_CHAR}+|(?<![\w./@-])www[0-9]{{0,3}}\.{_URL_CHAR}+"
    rf"|(?<![\w./@-])(?:{_LABEL})+{_TLD}(?![\w-])(?:[/?#]{_URL_CHAR}*)?"
    rf"|(?<![\w./@-])(?:{_LABEL})+[A-Za-z]{{2,12}}/[\w~%-]{_URL_CHAR}*"
    # a site of capitalised words glued between words by missing spaces ("GA,
    # USAAdventHelp.com404.293.5654"): its words' capitals tell where it starts
    r"|(?<=[A-Za-z])(?:[A-Z][a-z]+){2,}\.(?:com|org|net|edu|gov)(?![a-z])"
)
#: A page's path left without its site, as a scraper leaves a link ("my blog post on:
#: Four-ways-add-self-esteem-friends-list/"): five words or more joined by hyphens, the first
#: opening with a letter, lower case after the first letter, maybe after a slash, ending in a
#: slash that no word or number continues. English joins four words so often enough
#: ("stay-at-home-mom/dad", "on-again-off-again/"), and a relation by marriage with more
#: ("mother-in-law-to-be/"), that neither is taken.
URL_PATH = (
    r"(?<![\w./:@-])/?(?![a-z]+-in-law\b)[A-Za-z][a-z0-9]*(?:-(?!in-law\b)[a-z0-9]+){4,}/"
    r"(?![a-z0-9])"
)
IPV4 = r"[0-9](?<![\w.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?!\.?[0-9]|\w)"
IPV6 = (
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|[0-9]{1,3}(?:\.[0-9]{1,3}){3})?"
    r"(?![\w:])"
)
# a hyphen may follow before a word ("555-123-4567-cell"), never before a digit; an extension
# may follow, glued or not ("6938x493", "4567 ext. 12"): the span is the number without it
UNIT_AFTER = rf"[ \t]*{_UNIT}"
_EXTENSION_AFTER = r"(?=[ \t]?(?i:x|ext\.?)[ \t]?[0-9]{1,6}(?!\w))"
_PHONE_END = rf"(?:{_EXTENSION_AFTER}|(?!\w|-[0-9-]|\.[0-9])(?![ \t]*{_UNIT}))"
_NANP = r"(?:\([0-9]{3}\)[ .-]?|[0-9]{3}[ .-]?)[0-9]{3}[ .-]?[0-9]{4}"
_VANITY = r"[ .-]?(?=[A-Z0-9 .-]*[A-Z])[A-Z0-9]{3}[ .-]?[A-Z0-9]{4}[A-Z]{0,3}"
_TOLL_FREE = r"(?:00|33|44|55|66|77|88)"
_LEFT = r"(?<![\w+@/.$-]"  # + the first character, closed by each phone pattern
PHONE_PLUS = (
    rf"\+{_LEFT}\+)(?:1[ .-]?{_NANP}|[0-9]{{1,6}}"
    rf"(?:[ .-]?\([0-9]{{1,4}}\)(?:[0-9]{{1,6}})?|[ .-][0-9]{{1,6}}){{1,7}}|[0-9]{{8,15}})"
    rf"{_PHONE_END}"
)
PHONE_PAREN = rf"\({_LEFT}\()[0-9]{{3}}\)[ .-]?[0-9]{{3}}[ .-]?[0-9]{{4}}{_PHONE_END}"
PHONE_DIGIT = (  # (?<=1) and (?<=8) test the first digit, already consumed
    rf"[0-9]{_LEFT}[0-9])(?:[0-9]{{2}}[ .-]?[0-9]{{3}}[ .-]?[0-9]{{4}}|(?<=1)[ .-]?{_NANP}"
    rf"|(?<=1)[ .-]?\(?8{_TOLL_FREE}\)?{_VANITY}|(?<=8){_TOLL_FREE}{_VANITY}"
    rf"|[0-9]{{2}}-[0-9]{{4}}){_PHONE_END}"
)
#: A number glued to the word or site before it by a missing space ("AdventHelp.com404.293.5654"):
#: only the full separated form, which nothing else shares.
PHONE_GLUED = rf"(?<=[a-z])[0-9]{{3}}(?P<sep>[.-])[0-9]{{3}}(?P=sep)[0-9]{{4}}{_PHONE_END}"
SSN = r"[0-9](?<![\w-][0-9])[0-9]{2}(?P<sep>[- ])[0-9]{2}(?P=sep)[0-9]{4}(?![\w-])"
CARD = (
    r"[0-9](?<![\w-][0-9])[0-9]{3}(?:(?P<sep>[ -]?)[0-9]{4}(?P=sep)[0-9]{4}(?:(?P=sep)[0-9]{1,7})?"
    r"|[ -]?[0-9]{6}[ -]?[0-9]{5})(?![\w-])"
)
#: An IBAN: country, check digits, then 11 to 30 letters and digits, grouped by four or not
#: (checked with ISO 7064 mod 97 in patterns).
IBAN = r"[A-Z](?<![\w-][A-Z])[A-Z][0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![\w-])"
#: Where libphonenumber is asked: a run of 7+ digits with phone punctuation between them.
#: A local number of 7 to 15 digits in groups ("9751 6337", "494 17 271"): a phone only after a
#: phone cue (PHONE_CUE), as such numbers have no shape of their own.
PHONE_LOCAL = (
    r"(?:(?<![\w+])\+[0-9]{1,3}[ .-]?|[0-9](?<![\w.+][0-9]))(?:[ .-]?[0-9]){6,14}"
    r"(?:[ \t]?(?:x|ext\.?)[ \t]?[0-9]{1,5})?(?![\w]|[.,][0-9])"
)
#: The same after a phone cue, with a short area code in brackets ("(87) 362-625",
#: "(12) 3082-6765", "(02) 9374 4000"): the national formats of other countries.
PHONE_LOCAL_PAREN = rf"\({_LEFT}\()[0-9]{{1,4}}\)[ .-]?[0-9](?:[ .-]?[0-9]){{4,12}}{_PHONE_END}"
PHONE_CUE = (
    r"(?i:\b(?:call|text|ring|reach|phone|contact|message|sms|whatsapp|fax|answering|answer)"
    r"(?:[ \t]+(?:me|us|her|him|them))?[ \t]+(?:at|on)"
    r"|\b(?:call|text|dial|ring)(?:[ \t]+(?:me|us|her|him|them))?"
    r"|\b(?:phone|mobile|cell|tel|telephone|fax|landline"
    r"|whatsapp)(?:[ \t]+(?:no\.?|number|#))?(?:[ \t]+is)?[ \t]*:?|\bmessages[ \t]+to"
    r"|\bregistered(?:[ \t]+(?:mobile|phone|number|cell))?|\bnumber[ \t]+is)\s*\Z"
)
PHONE_CANDIDATE = r"[0-9](?:[ \t().-]{0,3}[0-9]){6,}"
#: Shapes libphonenumber may accept as a number of some region that are not phones here:
#: a ZIP+4, a year range, a decimal.
NOT_PHONE = r"[0-9]{5}-[0-9]{4}|(?:19|20)[0-9]{2}[ ]?[-–][ ]?(?:19|20)[0-9]{2}|[0-9]+\.[0-9]+"
PHONE_EXTENSION = r"(?i:[ \t,;]*(?:x|ext\.?|extension)[ \t.:#]*[0-9]{1,6}\Z)"
DIGIT_TOKEN = r"[0-9][A-Za-z0-9-]*"
AGE = (
    r"(?P<v>[0-9](?<![\w.][0-9])[0-9]{1,2})(?P<old>[ \t-]*(?:(?:years?|yrs?)[ \t-]*old\b"
    rf"|(?:yo|y/o|y\.o\.)(?!\w)))?(?(old)|(?![\w/-]|[.,:][0-9]|[ \t]*(?:{_UNIT}|x\b)))"
)
AGE_CONTEXT = (
    r"(?i:\b(?:i['’]?m|i[ \t]+am|(?:he|she|they)(?:['’]s|['’]re|[ \t]+is|[ \t]+are)|aged?"
    r"|age[ \t]*[:=-]|turned|turning|turns|will[ \t]+be|is[ \t]+now|at[ \t]+the[ \t]+age[ \t]+of"
    r"|(?:will|['’]ll|to|would|gonna)[ \t]+turn"
    r"|when[ \t]+(?:he|she|they|i|we)[ \t]+(?:was|were|turned)|died[ \t]+at"
    r"|(?:grand(?:mother|father|ma|pa|mom|dad)|great[ -](?:aunt|uncle)|mother|father|mom|dad"
    r"|aunt|uncle|husband|wife|partner|patient|client)(?:['’]s|[ \t]+is|[ \t]+was)"
    r")[ \t]*)\Z"
)
AGE_WORDS = (
    r"(?i:\b(?:a[ ])?(?P<v>ninety(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:one[ ])?hundred(?:[ ](?:and[ ])?[a-z]+)?)[ -]years?[ -]old\b)"
)
DATE_NUMERIC = (
    r"[0-9](?<![\w/.-][0-9])(?:[0-9]?(?P<sep>[/-])[0-9]{1,2}(?P=sep)(?:[0-9]{4}|[0-9]{2})"
    r"|[0-9]?\.[0-9]{1,2}\.[0-9]{4}|[0-9]{3}(?P<sep2>[/-])[0-9]{1,2}(?P=sep2)[0-9]{1,2}"
    r"|(?<=\bon[ ][0-9])[0-9]?/[0-9]{1,2}"
    # a day and a month of two digits each, one written with its zero ("moved to 27/09",
    # "scheduled for 11/09"), which fractions and ratings are not ("1/2", "7/10")
    r"|(?<=0)[1-9]/[0-3][0-9]|(?<=[0-3])[0-9]/0[1-9])(?![\w/-]|\.[0-9])"
)
DATE_DAY_MONTH = (
    rf"[0-9](?<![\w.][0-9])[0-9]?(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{MONTH}\b"
    rf"(?:,?[ \t]+{YEAR}\b)?"
)
_SPAN_UNIT = r"(?:years?|yrs?|months?|weeks?|days?|hours?)\b"  # "in March 3 years ago": no day
DATE_MONTH_DAY = (
    rf"{MONTH}(?:\.?[ \t]+(?:the[ \t]+)?(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
    rf"(?:,?[ \t]+{YEAR})?(?![\w:]|[.,][0-9]|[ \t]+(?:{_SPAN_UNIT}))|[ \t]+(?P<year>{YEAR})\b)"
)
#: A Reddit user's handle ("u/sad_panda_22", "/u/x"): the account, so the person.
REDDIT_USER = r"(?<![\w/])/?u/[A-Za-z0-9][A-Za-z0-9_-]{2,19}(?![\w-])"
#: Months' short forms in lower case ("aug", "sept"); "mar" and "may" are words first.
_MONTH_SHORT_LOWER = r"(?:jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
#: A month in lower case and a day, as posts write them ("april 2nd", "july the 19th"): full
#: names, and "march", "may" (words first) and short forms only with an ordinal ("may 5th",
#: "since aug 6th").
DATE_MONTH_DAY_LOWER = (
    r"(?:(?:january|february|april|june|july|august|september|october|november|december)"
    r"\.?[ \t]+(?:the[ \t]+)?(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
    rf"|(?:march|may|{_MONTH_SHORT_LOWER})[ \t]+(?:the[ \t]+)?(?:[12][0-9]|3[01]|0?[1-9])"
    r"(?:st|nd|rd|th)"
    r"(?![ \t]+(?:guess|hand|place|grade|floor|round|time|try|attempt)\b))"
    rf"(?:,?[ \t]+{YEAR})?(?![\w:]|[.,][0-9]|[ \t]+(?:{_SPAN_UNIT}))"
)
#: A day in lower case before its month, as posts write them ("the 15th of june", "3rd
#: april", "6th aug"): an ordinal, and "of" before "march" and "may" ("the 5th may be hard").
DATE_DAY_MONTH_LOWER = (
    r"[0-9](?<![\w.][0-9])[0-9]?(?:st|nd|rd|th)[ \t]+"
    r"(?:(?:of[ \t]+)?(?:january|february|april|june|july|august|september|october|november"
    rf"|december|{_MONTH_SHORT_LOWER})|of[ \t]+(?:march|may))\b"
    rf"(?:,?[ \t]+{YEAR}\b)?"
)
#: Holidays that fall on one day: with a year they pin it ("Christmas 2015", "Thanksgiving of
#: 2018"); alone, or with "every", they are no date ("New Year's resolution").
HOLIDAY = (
    r"(?i:christmas(?:[ \t]+(?:eve|day))?|thanksgiving(?:[ \t]+day)?|easter(?:[ \t]+(?:sunday"
    r"|monday))?|halloween|new[ \t]+year['’]?s(?:[ \t]+(?:eve|day))?|valentine['’]?s(?:[ \t]+day)?"
    r"|independence[ \t]+day|memorial[ \t]+day|labou?r[ \t]+day|veterans['’]?[ \t]+day"
    r"|mother['’]?s[ \t]+day|father['’]?s[ \t]+day|boxing[ \t]+day|hanukkah|chanukah|diwali"
    r"|eid(?:[ \t]+al-(?:fitr|adha))?|passover|yom[ \t]+kippur|rosh[ \t]+hashanah|kwanzaa"
    r"|good[ \t]+friday|st\.?[ \t]+patrick['’]?s[ \t]+day|canada[ \t]+day|bastille[ \t]+day"
    r"|juneteenth|presidents['’]?[ \t]+day)"
)
HOLIDAY_DATE = rf"\b(?:{HOLIDAY},?[ \t]+(?:(?:of|in)[ \t]+)?{YEAR}|{YEAR}[ \t]+{HOLIDAY})(?![\w'’])"
#: A holiday that dates an event in someone's story ("she went to her family's house on
#: Thanksgiving", "a few days after Thanksgiving", "the day before Christmas"): every element of a
#: date but the year is an identifier. Not "every Christmas", "a New Year's resolution",
#: "Christmas too", nor a time up to one ("the last Sunday before Labor Day").
HOLIDAY_DAY = (
    r"(?i:\b(?:on|after|since|last|this[ \t]+past|day[ \t]+(?:before|after)|eve[ \t]+of))"
    r"[ \t]+(?:the[ \t]+)?"
    rf"(?P<v>{HOLIDAY})(?![\w'’])"
)
BIRTH_YEAR = r"[12](?<![\w.][12])[0-9]{3}\b"
_EVENT_TAIL = r"[ \t:]+(?:(?:in|on|back[ \t]+in|around|circa|during)[ \t]+)?)\Z"
#: Before a month and year ("died in March 2019"): every element of such a date but the year is
#: an identifier. Before a bare year only a birth counts: it reveals the age, a death year not.
EVENT_CONTEXT = (
    r"(?i:\b(?:born|died|passed[ \t]+away|admitted|discharged|hospitali[sz]ed|dob|b\."
    r"|date[ \t]+of[ \t]+birth)" + _EVENT_TAIL
)
BIRTH_CONTEXT = r"(?i:\b(?:born|dob|b\.|date[ \t]+of[ \t]+birth|birth[ \t]+year)" + _EVENT_TAIL
#: A day and a month by their numbers ("3/14", "9/11"): a date only where a birthday or a
#: birth is said of it, right before, with a verb or a mark between ("my birthday, (9/11)",
#: "born on 3/4"; not a rating: "I rate my birthday 7/10"), or a weekday stands right before
#: it ("Saturday morning(7/12)", "Tuesday 3/4").
DATE_DAY_MONTH_NUMBERS = (
    r"[0-9](?<![\w/.,-][0-9])[0-9]?/[0-9]{1,2}(?![\w/%-]|[.,][0-9]|[ \t]+of\b)"  # "2/3 of us"
)
DAY_MONTH_CONTEXT = (
    r"(?i:\b(?:birthday|bday|b-day|born|dob|date[ \t]+of[ \t]+birth)(?:['’]?s)?"
    r"(?:[ \t]+(?:is|was|on|falls[ \t]+on|will[ \t]+be)(?:[ \t]+on)?|[ \t]*[(,:=-])"
    r"(?:[ \t]*[(,:=-])?[ \t]*"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:[ \t]+(?:morning|afternoon|evening|night))?"
    r"[ \t]*[(,]?[ \t]*)\Z"
)
#: A day of the month with no month, where the words pin it: "the 14th of last month", a
#: weekday before it ("on Monday the 22nd"), or "until the", "on the", "by the" ... before an
#: ordinal that ends its phrase ("won't see me until the 29th.", "on the 19th at the gym", "on
#: the 18th so we"; not "the 29th floor", "after the 2nd time"). Not "Friday the 13th", a
#: superstition and a film.
DATE_DAY_ALONE = (
    r"[0-9](?<![\w.,/-][0-9])[0-9]?(?:st|nd|rd|th)"
    r"(?P<month>[ \t]+of[ \t]+(?i:this|last|next|the[ \t]+same)[ \t]+(?i:month)\b)?"
    r"(?P<open>(?=[ \t]*(?!(?i:at|so|but|till|until|through|when|because|then|before|after"
    r"|unless|near)\b)[\w'’/%-]|[.,][0-9]))?"
)
DAY_ALONE_CONTEXT = (
    r"(?i:\b(?P<weekday>mon|tues|wednes|thurs|fri|satur|sun)day,?[ \t]+(?:the[ \t]+)?"
    r"|\b(?:until|till|til|on|by|before|after|since|from|through|due)[ \t]+the[ \t]+)\Z"
)
STREET = (
    r"[0-9](?<![\w.,$-][0-9])[0-9]{0,5}[A-Z]?[ \t]+(?:(?:[NSEW]\.?|North|South|East|West)[ \t]+)?"
    r"(?:[0-9]{1,3}(?:st|nd|rd|th)|[A-Z][a-z]+)(?:[ \t]+[A-Z][a-z]+){0,3}[ \t]+"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl"
    r"|Terrace|Ter|Way|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley"
    r"|Plaza|Crescent|Pike|Turnpike|Expressway|Freeway)\b"
    r"(?:\.?,?[ \t]+(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room)\.?[ \t]*\#?[ \t]*"
    r"[A-Za-z0-9-]+|[ \t]*\#[ \t]*[A-Za-z0-9-]+)?"
)
PO_BOX = r"(?i:\b(?:p\.?[ \t]?o\.?[ \t]*box|post[ \t]+office[ \t]+box))[ \t]*\#?[ \t]*[0-9]{1,6}\b"
ZIP = r"[0-9](?<![\w$.,-][0-9])[0-9]{4}(?:-[0-9]{4})?(?![\w-]|[.,][0-9])"
ZIP_CONTEXT = (
    r"(?:\b(?:" + "|".join(US_STATE_CODES + US_STATE_NAMES) + r")"
    r"|(?i:\b(?:zip(?:[ \t]?code)?|postal[ \t]+code)(?:[ \t]+(?:is|was))?))\.?[ \t:#,]*\Z"
)
PERSON_TITLED = rf"{TITLE}(?:\.[ \t]*|[ \t]+){_NOT_NAME}(?P<v>{NAMES})"
PERSON_INTRO = (
    r"(?i:\b(?:my[ \t]+name(?:[ \t]+is|['’]s)|name['’]s|i['’]?m[ \t]+called|i[ \t]+am[ \t]+called"
    r"|call[ \t]+me|i[ \t]+go[ \t]+by|(?:everyone|people|they)[ \t]+calls?[ \t]+me))[ \t]+"
    rf"{_NOT_NAME}(?P<v>{NAMES})"
)
INTRO_CUES = ("name", "call", "go by")
#: The closings that come before a signature ("Warmly,", "Hope this helps,", "Be well.").
CLOSING = (
    r"(?i:warmly|best(?:[ \t]+wishes|[ \t]+regards)?|kind[ \t]+regards|in[ \t]+solidarity"
    r"|hope[ \t]+(?:this|that|it)[ \t]+helps|all[ \t]+the[ \t]+best|be[ \t]+well"
    r"|(?:best[ \t]+of[ \t]+|good[ \t]+)luck|peace|blessings|hugs|kindly"
    r"|with[ \t]+(?:care|love|warmth|gratitude)|warm[ \t]+regards|regards|sincerely|thanks"
    r"|thank[ \t]+you|cheers|take[ \t]+care|respectfully|yours(?:[ \t]+truly)?"
    r"|wishing[ \t]+you[ \t]+well|until[ \t]+next[ \t]+time|stay[ \t]+(?:safe|strong))"
)
#: Emoji and emoticons a closing may carry before the name ("Thank you 😁\nSB", "Thanks :)").
#: Each mark takes the blanks after it, so that no two runs of blanks can share a space.
CLOSING_MARKS = (
    r"(?:(?:[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]"
    r"|[:;=]['’]?-?[)D(Pp]+|\^_*\^|<3+)[ \t\xa0]*)*"
)
SIGNATURE = (
    rf"(?:^|\n)[ \t]*[-–—~][ \t]*(?P<v>{NAMES})[ \t]*\s*\Z"
    rf"|(?:^|\n|[.!?][ \t]*)[ \t]*{CLOSING}[ \t]*[,!.~:-]*[ \t]*{CLOSING_MARKS}(?:\n[ \t]*)?"
    rf"(?:{TITLE}\.?[ \t]+)?{_NOT_NAME}(?P<v2>{NAME}(?:[ \t]+{NAME}){{0,4}})[ \t]*[.!]?\s*\Z"
)
#: Clinical credentials after a therapist's name ("Laura Cassity, LMSW, LMAC").
CREDENTIAL = (
    r"(?:LCSW|LICSW|LISW|LMSW|LSW|MSW|LPC(?:-S|-I|C|A|MH)?|LCPC|LCMHC|LMHC[AI]?|LMHP|CMHC|NCC|RP|RCC"
    r"|RCSWI?|RMFT|LMFTA?|MFTA?|MSc|M\.?S\.?(?:Ed\.?)?|M\.?A\.?|M\.?Ed\.?|DCC|CCTPI?|DBH|JD|CSAT|CASAC"
    r"|CLT|CCP|MPH|LCASA?|CADC|ADC|LCADC|LADC|LAC|LMAC|LCDC|Ph\.?D\.?|Psy\.?D\.?|Ed\.?D\.?"
    r"|M\.?D\.?|RN|NP|PMHNP(?:-BC)?|DNP|APRN|ARNP|ATR|RPT|CEAP|CST|CPC|CRC|ABPP|BCBA|OACCPP)(?![\w-])"
)
NAME_BEFORE_CREDENTIALS = (
    rf"(?P<v>{NAME}(?:[ \t]+(?:{_UPPER}\.[ \t]*)?{NAME}){{1,3}})(?:[ \t]*,[ \t]*|[ \t]+)"
    rf"(?:{CREDENTIAL}[ \t]*,?[ \t]*)*\Z"
)
BULLET_BEFORE = r"(?:^|\n)[ \t]*[-–—~*•][^\n]*\n[ \t]*\Z"

# strict mode only
_DOT_WORD = r"(?:[ \t]*(?:\[dot\]|\(dot\)|\{dot\})[ \t]*|[ \t]dot[ \t]|\.)"
OBFUSCATED_DOMAIN = (
    rf"(?i:[ \t]*[\w-]+(?:{_DOT_WORD}[\w-]+)*?{_DOT_WORD}(?:com|org|net|edu|gov|io|me|us)\b)"
)
OBFUSCATED_LOCAL = r"(?<![\w.+-])[\w.+-]+[ \t]*\Z"
WEB_TOKEN = r"\S+"
WEB_CUE = r"@|(?i:www\.|https?:|ftp:)"
STRICT_DOMAIN = rf"(?<![\w./@-])(?:[A-Za-z0-9][\w-]*\.)+(?:[a-z]{{2,6}}|(?i:{TLDS}))(?![\w-])"
DIGIT_RUN = r"[0-9](?<![\w.][0-9])(?:[ .-]?[0-9]){6,}(?!\w)"
TITLE_LOWER = r"(?:dr|mr|mrs|ms|mx|miss|prof|professor|doctor)\b"
STRICT_PERSON = (
    r"(?i:dr|mr|mrs|ms|mx|miss|prof|professor|doctor)(?:\.[ \t]*|[ \t]+)"
    r"(?P<v>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2})"
)

#: ID cues: the last one or two words before a value, once fillers ("is", ":", "#") are dropped.
_ID_NOUNS = (
    "record chart patient insurance member subscriber policy group plan claim medicaid medicare "
    "case account employee student badge device license licence plate serial passport tag"
)
ID_CUES: frozenset[str] = frozenset(
    [
        f"{noun} {suffix}"
        for noun in _ID_NOUNS.split(" ")
        for suffix in ("id", "number", "no", "num", "#")
    ]
    + ["mrn", "vin", "acct", "npi", "ssn", "imei", "s/n", "plate", "serial", "passport"]
    + ["license", "licence", "driver's license", "drivers license", "driver’s license"]
    + ["license plate", "social security", "security number"]
)
ID_FILLERS: frozenset[str] = frozenset(
    ["is", "was", "#", "my", "the", "our", "his", "her", "their", "your"]
)
