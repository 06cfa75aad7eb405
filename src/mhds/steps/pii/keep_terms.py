"""Built-in keep-list vocabularies: clinical and generic terms that are never identifiers.

Entries are written lower case, one per comma; :mod:`mhds.steps.pii.keep` compares them by a
key that drops case, spaces and punctuation (so "PHQ-9", "phq 9" and "PHQ9" are one term).
"""

from __future__ import annotations


def term_key(text: str) -> str:
    """How terms are compared: lower case, letters and digits only ("PHQ-9" -> "phq9")."""
    return "".join(c for c in text.lower() if c.isalnum())


def _terms(listing: str) -> frozenset[str]:
    """The comma-separated terms of ``listing``, stripped of surrounding white space."""
    return frozenset(term.strip() for term in listing.split(",") if term.strip())


#: Psychiatric and commonly co-prescribed medications, generic and brand names (with the
#: long-acting injectables and the newer stimulant brands), the pain relievers people take in
#: overdose, and the drug classes and substances of misuse posts name capitalised ("Benzos",
#: "SSRIs", "Marijuana"; not "Weed", a surname).
MEDICATIONS = _terms(
    """sertraline, zoloft, fluoxetine, prozac, sarafem, escitalopram, lexapro, citalopram, celexa,
    paroxetine, paxil, fluvoxamine, luvox, vilazodone, viibryd, vortioxetine, trintellix,
    venlafaxine, effexor, desvenlafaxine, pristiq, duloxetine, cymbalta, levomilnacipran,
    fetzima, bupropion, wellbutrin, zyban, mirtazapine, remeron, trazodone, desyrel, nefazodone,
    amitriptyline, elavil, nortriptyline, pamelor, imipramine, tofranil, clomipramine, anafranil,
    doxepin, silenor, phenelzine, nardil, tranylcypromine, parnate, selegiline, emsam,
    esketamine, spravato, ketamine, zuranolone, zurzuvae, brexanolone, zulresso, lithium,
    lithobid, eskalith, lamotrigine, lamictal, valproate, divalproex, depakote, carbamazepine,
    tegretol, oxcarbazepine, trileptal, topiramate, topamax, quetiapine, seroquel, aripiprazole,
    abilify, brexpiprazole, rexulti, cariprazine, vraylar, olanzapine, zyprexa, symbyax,
    risperidone, risperdal, paliperidone, invega, ziprasidone, geodon, lurasidone, latuda,
    asenapine, saphris, clozapine, clozaril, haloperidol, haldol, chlorpromazine, thorazine,
    perphenazine, fluphenazine, lumateperone, caplyta, clonazepam, klonopin, lorazepam, ativan,
    alprazolam, xanax, diazepam, valium, chlordiazepoxide, librium, temazepam, restoril,
    buspirone, buspar, hydroxyzine, vistaril, atarax, propranolol, inderal, prazosin, minipress,
    clonidine, kapvay, guanfacine, intuniv, methylphenidate, ritalin, concerta, focalin,
    dexmethylphenidate, adderall, amphetamine, dextroamphetamine, dexedrine, lisdexamfetamine,
    vyvanse, atomoxetine, strattera, viloxazine, qelbree, modafinil, provigil, naltrexone,
    vivitrol, revia, buprenorphine, suboxone, subutex, sublocade, methadone, naloxone, narcan,
    acamprosate, campral, disulfiram, antabuse, varenicline, chantix, gabapentin, neurontin,
    pregabalin, lyrica, zolpidem, ambien, eszopiclone, lunesta, zaleplon, sonata, suvorexant,
    belsomra, ramelteon, rozerem, melatonin, benadryl, diphenhydramine, tramadol,
    st john's wort, benztropine, cogentin, brintellix, mydayis, adzenys, cotempla, evekeo,
    zenzedi, daytrana, jornay, azstarys, invega sustenna, invega trinza, abilify maintena,
    aristada, risperdal consta, epilim, tylenol, acetaminophen, paracetamol, advil, motrin,
    ibuprofen, aleve, naproxen, excedrin, aspirin, ssri, ssris, snri, snris, maoi, maois,
    benzodiazepine, benzodiazepines, benzo, benzos, stimulants, antidepressants,
    antipsychotics, marijuana, cannabis, kratom, vicodin, percocet, oxycontin, dilaudid"""
)

#: Screening and assessment instruments, rating scales and manuals.
INSTRUMENTS = _terms(
    """phq-9, phq-2, phq-a, phq, gad-7, gad-2, pcl-5, pcl, bdi, bdi-ii,
    beck depression inventory, bai, madrs, ham-d, ham-a, hdrs, audit, audit-c, dast, dast-10,
    c-ssrs, columbia, columbia scale, columbia protocol, columbia suicide severity rating scale,
    k10, k6, ace, aces, ace score, moca, mmse, dsm, dsm-5, dsm-5-tr, dsm-iv, icd-10, icd-11,
    y-bocs, asrs, mdq, epds, edinburgh, cage, cage-aid, pss, scared, caps-5, pc-ptsd-5, asq,
    sbq-r, whodas, gaf, cgi, qids, ids, ymrs, panss, aims"""
)

#: Psychotherapy modalities, treatment settings and mutual-help programmes.
MODALITIES = _terms(
    """cbt, dbt, emdr, act, ifs, mi, mbct, mbsr, ipt, cpt, pe, erp, tf-cbt, cbt-i, rebt, sfbt,
    eft, cft, mbt, tfp, psychodynamic, psychoanalysis, psychoanalytic, exposure therapy,
    prolonged exposure, cognitive processing therapy, cognitive behavioral therapy,
    dialectical behavior therapy, acceptance and commitment therapy, internal family systems,
    motivational interviewing, gottman, gottman method, narrative therapy, schema therapy,
    somatic experiencing, mindfulness, talk therapy, group therapy, family therapy,
    couples therapy, play therapy, art therapy, behavioral activation,
    exposure and response prevention, ect, tms, rtms, iop, php, aa, na, twelve step, 12-step,
    applied behavior analysis, applied behaviour analysis,
    smart recovery, al-anon, yoga, yoga nidra, hatha, vinyasa, kundalini, pranayama, tai chi,
    qigong, qi gong, reiki, metta, tonglen, vipassana, zazen, shinrin yoku, forest bathing,
    tapping, havening, ho'oponopono, loving-kindness, body scan, brainspotting, neurofeedback,
    biofeedback, hypnotherapy, sensorimotor psychotherapy, coherence therapy, gestalt therapy,
    emotionally focused therapy, compassion focused therapy, ketamine-assisted therapy"""
)

#: Diagnoses, symptoms and clinical states.
DIAGNOSES = _terms(
    """depression, major depression, mdd, major depressive disorder, dysthymia, pdd, anxiety,
    gad, generalized anxiety disorder, social anxiety, sad, panic disorder, panic attacks,
    dts, delirium tremens,
    agoraphobia, ptsd, cptsd, c-ptsd, complex ptsd, ocd, adhd, add, bipolar, bipolar disorder,
    bipolar i, bipolar ii, bp1, bp2, cyclothymia, bpd, borderline,
    borderline personality disorder, npd, aspd, schizophrenia, schizoaffective, psychosis,
    anorexia, anorexia nervosa, bulimia, bulimia nervosa, binge eating, bed, arfid, ednos, osfed,
    autism, asd, asperger's, insomnia, sud, aud, oud, alcoholism, addiction, dissociation, did,
    pmdd, postpartum depression, ppd, self-harm, nssi, si, hi, suicidal ideation, grief,
    burnout, trauma, tbi, dementia, alzheimer's, tourette's, odd, rad, pedophilia, paraphilia,
    exhibitionism, voyeurism, fetishism, frotteurism, hypochondria, hypochondriasis, kleptomania,
    pyromania, trichotillomania, dermatillomania, excoriation, hoarding, misophonia, anhedonia,
    alexithymia, derealization, depersonalization, catatonia, mania, hypomania, narcolepsy,
    enuresis, encopresis, dyslexia, dyscalculia, dysgraphia, dyspraxia, emetophobia,
    claustrophobia, arachnophobia, acrophobia, somatization, dysphoria, gender dysphoria,
    akathisia, tardive dyskinesia, paranoia, narcissism, codependency, selective mutism,
    hyperfocus, hyperfixation"""
)

#: Family and social relations that NER tags as PERSON ("Mom", "my Sister").
RELATIONS = _terms(
    """mom, mum, mother, mommy, momma, mama, ma, dad, father, daddy, papa, pa, parents, parent,
    stepmom, stepmother, stepdad, stepfather, sister, brother, sibling, siblings, sis, bro,
    husband, wife, spouse, partner, boyfriend, girlfriend, bf, gf, fiance, fiancé, fiancee,
    fiancée, ex, hubby, son, daughter, kid, kids, child, children, baby, twin, grandma,
    grandmother, grandpa, grandfather, granny, nana, grandparents, aunt, auntie, uncle, cousin,
    niece, nephew, family, friend, friends, best friend, bestie, roommate, boss, manager,
    coworker, colleague, therapist, psychiatrist, psychologist, counselor, counsellor, doctor,
    doc, nurse, pastor, priest, teacher, coach, sponsor, landlord, neighbor, neighbour,
    mother-in-law, father-in-law, in-laws, sister-in-law, brother-in-law, ex-husband, ex-wife,
    ex-boyfriend, ex-girlfriend, stepsister, stepbrother, half-sister, half-brother"""
)

#: Generic places that name no particular facility, and a school's years ("in 1st Grade").
PLACES = _terms(
    """home, work, school, hospital, er, ed, icu, emergency room, emergency department,
    urgent care, clinic, psych ward, psych unit, ward, inpatient, outpatient, rehab, detox,
    residential, college, university, campus, class, high school, middle school,
    elementary school, office, church, mosque, synagogue, temple, gym, park, beach, mall, store,
    grocery store, jail, prison, shelter, group home, nursing home, dorm, library, downtown,
    city, town, countryside, suburbs, house, apartment, bedroom, bathroom, kitchen, car, bus,
    train, airport, bar, pharmacy, earth, the earth, planet, world, heaven, hell, moon,
    kindergarten, preschool, pre-k, first grade, second grade, third grade, fourth grade,
    fifth grade, sixth grade, seventh grade, eighth grade, ninth grade, tenth grade,
    eleventh grade, twelfth grade, 1st grade, 2nd grade, 3rd grade, 4th grade, 5th grade,
    6th grade, 7th grade, 8th grade, 9th grade, 10th grade, 11th grade, 12th grade"""
)

#: Online platforms, apps and services people talk about using ("we talked on Skype", "my
#: ex's Instagram"): a platform is never a person or a place. The social and messaging
#: platforms are those of Wikipedia's "List of social platforms with at least 100 million
#: active users" (English Wikipedia, CC BY-SA 4.0, as of 2026), with the dating, video-call,
#: streaming and search services that counselling questions name most. Names people are
#: given ("Alexa", "Siri", "Hinge", "Kik") are left out, and a person's slot comes first.
PLATFORMS = _terms(
    """facebook, instagram, whatsapp, messenger, youtube, tiktok, snapchat, twitter, reddit,
    pinterest, linkedin, tumblr, telegram, discord, skype, zoom, facetime, wechat, viber,
    twitch, quora, myspace, imessage, google, gmail, netflix, hulu, spotify, amazon, ebay,
    craigslist, yelp, uber, lyft, venmo, paypal, etsy, wikipedia, tinder, bumble,
    grindr, okcupid, omegle, xbox, playstation, fortnite, minecraft, roblox, nintendo, iphone,
    ipad, android, chatgpt, talkspace, betterhelp"""
)

#: Words that end or head an organisation's name, never a person's ("Quiet Ground Collective",
#: "Better Business Bureau", "glbthotline.org"): the name slots, NER's filter and the site rules
#: share them.
ORGANISATION_WORDS = _terms(
    """academy, alliance, anonymous, association, board, bureau, campaign, center, centre,
    charities, charity, coalition, collective, college, commission, committee, council,
    federation, foundation, fund, helpline, hotline, initiative, institute, league, lifeline,
    ministry, movement, network, project, society, trust"""
)

#: Local parts of e-mail addresses that name a service, not a person (kept at public domains).
ROLE_MAILBOXES: frozenset[str] = frozenset(
    {
        "info", "help", "helpline", "support", "contact", "hello", "office", "admin", "crisis",
        "hotline", "questions", "inquiries", "media", "press", "feedback", "services", "intake",
        "referrals", "mail", "general", "team", "webmaster", "communications", "outreach",
    }
)  # fmt: skip

#: Letter sign-offs that NER sometimes tags as a place ("Warmly,"): never a location.
SIGN_OFFS = _terms(
    """warmly, regards, kind regards, best regards, best, sincerely, cheers, thanks, thank you,
    take care, best wishes, with care, respectfully, blessings, peace"""
)

#: Capitalised like names, yet no private person or place: figures of faith, holidays and
#: their figures, and well-wishes ("God", "Christmas", "Santa", "Good Luck"), which NER and the
#: name slots read as names. Given names that are also religious names ("Jesus", "Muhammad")
#: are left out on purpose.
NOT_NAMES = _terms(
    """god, gods, allah, buddha, the buddha, christ, jesus christ, holy spirit, holy ghost,
    yahweh, jehovah, satan, lord, the lord, christmas, christmas eve, christmas day, easter,
    thanksgiving, hanukkah, chanukah, halloween, new year, new year's, new years,
    new year's eve, valentine's day, st. valentine's day, st. patrick's day,
    saint patrick's day, ramadan, eid, diwali, passover, yom kippur,
    rosh hashanah, kwanzaa, mother's day, father's day, independence day, memorial day,
    labor day, april fools, april fools', april fool's, april fools day, april fools' day,
    april fool's day, santa, santa claus, father christmas, tooth fairy, easter bunny, good luck,
    best of luck, all the best, bible, the bible, holy bible, quran, torah, talmud, scripture,
    scriptures"""
)

#: Weekdays, months, seasons and parts of the day: none of them alone dates a day. (Holidays
#: are left out on purpose: "on Christmas" does date a day.)
CALENDAR = _terms(
    """monday, tuesday, wednesday, thursday, friday, saturday, sunday, mon, tue, tues, wed, thu,
    thur, thurs, fri, sat, sun, weekday, weekdays, weekend, weekends, january, february, march,
    april, may, june, july, august, september, october, november, december, jan, feb, mar, apr,
    jun, jul, aug, sep, sept, oct, nov, dec, spring, summer, fall, autumn, winter, today,
    tonight, tomorrow, yesterday, morning, afternoon, evening, night, midnight, noon,
    recently, lately, nowadays, these days, a while, a while ago, a while back, ages, forever,
    overnight, all day, all night, all week, every day, everyday, daily, weekly, monthly,
    yearly, now, right now, earlier, later, soon, the other day, the other night, childhood,
    adolescence"""
)

#: US state names as written (also used to find ZIP codes in an address).
US_STATE_NAMES: tuple[str, ...] = tuple(
    sorted(
        _terms(
            """Alabama, Alaska, Arizona, Arkansas, California, Colorado, Connecticut, Delaware,
            Florida, Georgia, Hawaii, Idaho, Illinois, Indiana, Iowa, Kansas, Kentucky,
            Louisiana, Maine, Maryland, Massachusetts, Michigan, Minnesota, Mississippi,
            Missouri, Montana, Nebraska, Nevada, New Hampshire, New Jersey, New Mexico,
            New York, North Carolina, North Dakota, Ohio, Oklahoma, Oregon, Pennsylvania,
            Rhode Island, South Carolina, South Dakota, Tennessee, Texas, Utah, Vermont,
            Virginia, Washington, West Virginia, Wisconsin, Wyoming, District of Columbia,
            Puerto Rico, Guam"""
        ),
        key=lambda name: (-len(name), name),  # longest first: "West Virginia" before "Virginia"
    )
)
#: USPS two-letter codes of the states, DC and territories.
US_STATE_CODES: tuple[str, ...] = tuple(
    sorted(
        _terms(
            """AL, AK, AZ, AR, CA, CO, CT, DE, FL, GA, HI, ID, IL, IN, IA, KS, KY, LA, ME, MD, MA,
            MI, MN, MS, MO, MT, NE, NV, NH, NJ, NM, NY, NC, ND, OH, OK, OR, PA, RI, SC, SD, TN,
            TX, UT, VT, VA, WA, WV, WI, WY, DC, PR, GU, VI, AS, MP"""
        )
    )
)
#: States in lower case, names and codes: geography at state level or above is kept.
US_STATES: frozenset[str] = frozenset(s.lower() for s in US_STATE_NAMES + US_STATE_CODES)

#: Countries, continents and regions at least as large as a state.
GEOGRAPHY = _terms(
    """us, u.s., usa, u.s.a., united states, united states of america, america, uk, u.k.,
    united kingdom, great britain, britain, england, scotland, wales, northern ireland, ireland,
    canada, mexico, australia, new zealand, india, pakistan, bangladesh, sri lanka, nepal, china,
    japan, korea, south korea, north korea, taiwan, vietnam, thailand, philippines, indonesia,
    malaysia, singapore, germany, france, spain, portugal, italy, greece, netherlands, belgium,
    switzerland, austria, sweden, norway, denmark, finland, iceland, poland, ukraine, russia,
    romania, hungary, czech republic, czechia, turkey, israel, palestine, lebanon, syria, iraq,
    iran, afghanistan, saudi arabia, uae, united arab emirates, egypt, morocco, algeria, tunisia,
    libya, nigeria, ghana, kenya, ethiopia, somalia, sudan, south africa, zimbabwe, uganda,
    rwanda, congo, brazil, argentina, chile, peru, colombia, venezuela, ecuador, bolivia, cuba,
    haiti, jamaica, dominican republic, puerto rico, guatemala, honduras, el salvador, nicaragua,
    costa rica, panama, africa, asia, europe, north america, south america, latin america,
    central america, antarctica, oceania, middle east, caribbean, scandinavia, southeast asia,
    east asia, south asia, eastern europe, western europe, midwest, new england,
    pacific northwest, west coast, east coast, the south, deep south"""
)

#: Peoples, languages and faiths, and their adherents, and the groups people name themselves
#: by (neurotypes, genders, orientations): capitalised in English, no one's name
#: ("English is not my first language", "he is Australian", "not every Asian is a doctor",
#: "even if one is Catholic"). Demonyms of the countries and regions of ``GEOGRAPHY``, the
#: languages most spoken in the countries that write to us, and the faiths of the world's
#: larger religions and denominations. Plurals in "-s" match too. Those people bear as names
#: ("Christian", "English", "Finn") need a language's or a people's cue: see
#: :mod:`mhds.steps.pii.no_names`.
PEOPLES = _terms(
    """american, british, english, scottish, scot, welsh, irish, northern irish, canadian,
    mexican, australian, aussie, new zealander, indian, pakistani, bangladeshi, sri lankan,
    nepali, nepalese, chinese, japanese, korean, taiwanese, vietnamese, thai, filipino, filipina,
    indonesian, malaysian, singaporean, german, french, spanish, portuguese, italian, greek,
    dutch, belgian, swiss, austrian, swedish, swede, norwegian, danish, dane, finnish, finn,
    icelandic, polish, ukrainian, russian, romanian, hungarian, czech, slovak, turkish, turk,
    israeli, palestinian, lebanese, syrian, iraqi, iranian, persian, afghan, saudi, emirati,
    egyptian, moroccan, algerian, tunisian, libyan, nigerian, ghanaian, kenyan, ethiopian,
    somali, sudanese, south african, zimbabwean, ugandan, rwandan, congolese, brazilian,
    argentinian, argentine, chilean, peruvian, colombian, venezuelan, ecuadorian, bolivian,
    cuban, haitian, jamaican, dominican, puerto rican, guatemalan, honduran, salvadoran,
    nicaraguan, costa rican, panamanian, african, asian, european, latin american,
    central american, south american, north american, caribbean, middle eastern, scandinavian,
    arab, arabic, hispanic, latino, latina, latinx, caucasian, african american,
    asian american, native american, indigenous, aboriginal, first nations, inuit, hawaiian,
    pacific islander, slavic, serbian, croatian, bosnian, albanian, bulgarian, armenian,
    kurdish, punjabi, gujarati, bengali, tamil, telugu, urdu, hindi, mandarin, cantonese,
    tagalog, swahili, yoruba, igbo, amharic, hebrew, yiddish, latin, farsi, pashto,
    christian, christianity, catholic, catholicism, protestant, evangelical, baptist, methodist,
    lutheran, presbyterian, pentecostal, anglican, episcopalian, mormon, orthodox, jewish, jew,
    judaism, muslim, islam, islamic, hindu, hinduism, buddhist, buddhism, sikh, sikhism, jain,
    taoist, taoism, pagan, wiccan, wicca, atheist, atheism, agnostic, quaker, amish,
    mennonite, scientologist, neurodivergent, neurotypical, allistic, autistic, aspie, lgbt,
    lgbtq, lgbtqia, transgender, nonbinary, non-binary, genderqueer, bisexual, pansexual,
    asexual, lesbian, queer"""
)

#: Chat shorthand: the abbreviations of online writing ("Idk", "Tbh", "Smh"), contractions
#: written without their apostrophe that ``lexicon.BARE_CONTRACTIONS`` leaves out ("Ill be
#: fine", "Shes", "Wanna") and interjections ("Holy shit", "Yes, you read that right"). No
#: one's name; given names among them ("Ty") are left to the name rules, surnames ("Oh") are
#: shorthand only when no person's verb follows.
CHAT_SHORTHAND = _terms(
    """idk, idc, tbh, tbf, imo, imho, lol, lmao, lmfao, rofl, omg, omfg, smh, ngl, btw, fml,
    wtf, wth, tho, pls, plz, thx, tysm, ily, irl, afaik, iirc, fwiw, tldr, ofc, rn, nvm, jk,
    brb, ttyl, istg, ikr, asap, fyi, eli5, aita, ill, id, youd, shes, lets, yall, wanna, gonna,
    gotta, kinda, sorta, dunno, lemme, gimme, yes, yeah, yea, yep, yup, nope, nah, okay, ok,
    oh, ohh, ugh, hmm, wow, whoa, holy"""
)
