"""Sentence templates of the PII benchmark corpus: ``{slot}`` fields are filled by
``corpus.SLOTS``. A leading "^" keeps a sentence first (greetings), a leading newline last
(sign-offs).
"""

from __future__ import annotations

from mhds.steps.pii.spans import Category

CLIENT_FILLERS = (
    "I've been feeling {feeling} {duration}.",
    "Sleep has been rough, maybe {hours} hours a night.",
    "{relation} keeps asking what's wrong and I don't know what to say.",
    "Work is piling up and I can't focus on anything.",
    "I've been on {dose} of {med} {duration} and I'm not sure it's helping.",
    "My psychiatrist bumped me up to {dose} of {med}.",
    "My {instrument} score was {score} at intake.",
    "We tried {modality} before and it helped a little.",
    "On {weekday} I had a panic attack in the parking lot.",
    "I've been struggling with this since {year}.",
    "I moved here from {state} after the divorce.",
    "Most of my family is still in {state}.",
    "Last time it got this bad I had to {crisis}.",
    "I'm {young_age} and I feel like I should have my life together by now.",
    "{relation} is {young_age} and still treats me like a kid.",
    "I see my psychiatrist again on {weekday}.",
    "Honestly I've been drinking more than I want to admit.",
    "I skipped the gym all of {month} and felt worse.",
    "I keep replaying the argument with {relation} over and over.",
    "I cried in the car before work again.",
    "The breathing exercise helped for maybe ten minutes.",
)
THERAPIST_FILLERS = (
    "It sounds like this week asked a lot of you.",
    "That makes a lot of sense given everything with {relation}.",
    "Let's try a short {modality} exercise before our next session.",
    "If you ever feel unsafe, please {crisis}.",
    "You can also {crisis} any time, day or night.",
    "Your {instrument} went from {score} to {score}, which is real progress.",
    "How has the {dose} of {med} been sitting with you?",
    "Would it help to talk more about {relation}?",
    "Let's check in again on {weekday}.",
    "Resources like {site} can help between sessions.",
    "Noticing the pattern is already an important step.",
    "I wonder what your body was telling you in that moment.",
    "Feeling {feeling} {duration} is exhausting, and it makes sense you're tired.",
    "It's common for sleep to shift in the first weeks on {med}.",
)
PII_TEMPLATES: dict[str, dict[Category, tuple[str, ...]]] = {
    "client": {
        Category.PERSON: (
            "My therapist, {titled_full}, thinks I should try journaling.",
            "{titled_last} wants to increase my dose but I'm nervous.",
            "My sister {name} has been really supportive.",
            "I had a huge fight with {name} last night.",
            "{name} from work invited me out and I said no again.",
            "My name is {full_name} and I've never done therapy before.",
            "My ex, {full_name}, keeps showing up at my job.",
            "My psychiatrist {titled_last} said the side effects should fade.",
            "I told {name} and {name} about the diagnosis.",
            "My son {name} just started kindergarten.",
            "{full_name} is my case manager at the county.",
            "\n\nThanks,\n{name}",
        ),
        Category.LOCATION: (
            "I grew up in {city} and left right after high school.",
            "We're driving to {city} this weekend to see my in-laws.",
            "My mom still lives in {city_state}.",
            "I was at {facility} for five days last spring.",
            "They transferred me to {facility} after the ER.",
            "My daughter goes to {school} and the bullying is getting worse.",
            "I live at {street} with two roommates.",
            "Please mail the forms to {address}.",
            "My zip code is {zip}, if that matters for the insurance.",
            "My brother moved to {foreign_city} and I miss him.",
        ),
        Category.DATE: (
            "My next appointment is on {date}.",
            "I was discharged on {date} and things have been shaky since.",
            "{date} is the anniversary of my brother's death.",
            "I was born on {birth}.",
            "My date of birth is {birth}, for the intake form.",
            "For the portal: DOB {birth}.",
            "My court date is {date} and I can't stop thinking about it.",
            "Can we move our session to {date}?",
        ),
        Category.PHONE: (
            "You can call me at {phone} if the portal doesn't work.",
            "My cell is {phone}, texting is better.",
            "My emergency contact is my husband, his number is {phone}.",
            "The best number for me is {phone}.",
        ),
        Category.EMAIL: (
            "My email is {email} if you need to send the forms.",
            "Send the worksheet to {email}, please.",
            "I made a new account, {email}, so my wife won't see the messages.",
        ),
        Category.URL: (
            "I found you through your site, {url}.",
            "I've been writing about it on my blog at {url}.",
            "My cousin recommended {url} and I booked from there.",
        ),
        Category.IP_ADDRESS: (
            "The patient portal said my last login was from {ip}, which wasn't me.",
            "My router's IP is {ip} if your IT person needs it.",
            "I got an alert about a sign-in from {ip} last night.",
        ),
        Category.ID: (
            "My SSN is {ssn} for the billing form.",
            "My insurance member ID is {member_id}.",
            "My MRN at the hospital is {mrn}.",
            "The hospital bracelet said MRN {mrn}.",
            "The policy number is {policy}.",
            "My driver's license number is {license}.",
            "My passport number is {passport} in case the clinic needs it.",
            "My Medicaid ID is {medicaid}.",
        ),
        Category.AGE: (
            "I'm {age} years old and I still live alone.",
            "My grandmother is {age} and I'm her main caregiver.",
            "She turned {age} last month and her memory is slipping.",
            "Taking care of my {age}-year-old father is wearing me down.",
            "My grandpa is {age} years old and refuses help.",
            "He's {age} now, and I'm scared of losing him.",
            "At {age}, I didn't expect to be starting therapy.",
            "My great-aunt is {age_words} years old and still sharp.",
        ),
    },
    "therapist": {
        Category.PERSON: (
            "^Hi {name}, thank you for sharing this with me.",
            "I've asked {titled_full} to coordinate with me on your medication.",
            "{name}, I want to acknowledge how hard this week was.",
            "\n\nWarmly,\n{full_name}",
            "\n\n- {titled_full}",
        ),
        Category.LOCATION: (
            "Our office moved to {address}.",
            "I'm at the {city} office on Thursdays.",
            "The intensive outpatient program at {facility} has openings.",
            "Parking is free behind {street}.",
        ),
        Category.DATE: (
            "Our next session is confirmed for {date} at 3pm.",
            "I'll be out of the office from {date} to {date}.",
            "I have your birthday as {birth} in the chart.",
        ),
        Category.PHONE: (
            "You can leave a confidential message at {phone}.",
            "My direct line is {phone}.",
        ),
        Category.EMAIL: ("You can reach me at {email} between sessions.",),
        Category.URL: (
            "You can book online at {url}.",
            "More about my approach is on {url}.",
        ),
        Category.IP_ADDRESS: ("The telehealth log shows you connected from {ip}.",),
        Category.ID: (
            "For your superbill I used member ID {member_id}.",
            "I have your chart under MRN {mrn}.",
            "The insurer needs policy number {policy} on the form.",
            "The billing office has your SSN as {ssn}.",
        ),
        Category.AGE: (
            "Caring for a {age}-year-old parent is a lot.",
            "It sounds like your grandmother, at {age}, is still your anchor.",
        ),
    },
}
