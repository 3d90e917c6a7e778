"""Deterministic generator of realistic, labelled mail for triage tests and bench/mail.py.
Each message is (label, raw bytes); the label is what a careful human would file it under."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

ME = "sam@acme.example"
FIRST = ["Amy", "Ben", "Catherine", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jon",
         "Kemi", "Liam", "Maya", "Noor", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Brown", "Okafor", "Schmidt", "Tanaka", "Garcia", "Novak", "Ali", "Rossi", "Lee"]
FREE = ["gmail.com", "yahoo.com", "icloud.com", "proton.me", "outlook.com"]
WORK_DOMAINS = ["acme.example", "partnerco.example", "clientcorp.example"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "needs-reply": [
        ("Contract for signature", "Hi Sam,\n\nCould you sign the attached contract and send "
         "it back by {day}? Let me know if anything is unclear.\n\nThanks,\n{first}"),
        ("Are you free {day}?", "Hey Sam,\n\nAre you free on {day} for a quick call about the "
         "{topic}? Can you let me know?\n\n{first}"),
        ("Question about {topic}", "Hello Sam,\n\nWhat do you think about the {topic} plan? "
         "I need your answer by {day}.\n\nBest,\n{first}"),
        ("Dinner {day}?", "Sam! Would you like to come over for dinner on {day}? Please "
         "confirm.\n\nLove,\n{first}"),
    ],
    "personal": [
        ("Photos from the weekend", "Hi Sam,\n\nHere are the photos from the weekend at the "
         "lake. The kids loved it.\n\nHugs,\n{first}"),
        ("Happy birthday!", "Happy birthday Sam! Hope you have a lovely day with the family."
         "\n\nxx {first}"),
        ("Mum's party", "Just a note that mum's party went really well, everyone missed you."
         "\n\n{first}"),
    ],
    "work": [
        ("{topic} report for Q3", "Team,\n\nThe quarterly {topic} report is now in the shared "
         "folder. No action needed.\n\nRegards,\n{first}"),
        ("Meeting notes: {topic}", "Hi all,\n\nNotes from today's meeting on the {topic} "
         "project: budget approved, roadmap unchanged.\n\n{first}"),
        ("Deploy finished", "FYI the deploy of the {topic} service finished; the sprint "
         "review is on the agenda.\n\n{first}"),
    ],
    "newsletter": [
        ("This week in {topic}", "Your weekly roundup of {topic} news.\n\n1. Story one\n2. "
         "Story two\n\nUnsubscribe: https://news.example/unsub"),
        ("{topic} digest", "Top stories in {topic} this week. View in browser. Manage your "
         "preferences or unsubscribe at any time."),
        ("Sale: 20% off {topic} gear", "Our spring sale is on! Shop now.\n\nYou are receiving "
         "this because you subscribed. Unsubscribe here."),
    ],
    "junk": [
        ("You have won!!!", "Congratulations! You have won a lottery prize of one million "
         "dollars. Claim your prize now, act now!"),
        ("Urgent business proposal", "I am a prince with an unclaimed inheritance. Send a wire "
         "transfer fee to release the beneficiary funds."),
        ("Cheap meds", "Buy viagra and cialis online, 100% free shipping, risk-free miracle "
         "weight loss."),
    ],
}
TOPICS = ["budget", "hiring", "design", "marketing", "security", "data", "travel", "garden"]


def _headers(label: str, rnd: random.Random) -> tuple[str, str, str]:
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    if label in ("personal",) or (label == "needs-reply" and rnd.random() < 0.4):
        addr = f"{first.lower()}.{last.lower()}@{rnd.choice(FREE)}"
    elif label == "newsletter":
        addr = f"{rnd.choice(['news', 'noreply', 'digest', 'hello'])}@{rnd.choice(TOPICS)}" \
               ".example"
        first, last = rnd.choice(TOPICS).title(), "Weekly"
    elif label == "junk":
        addr = f"{first.lower()}{rnd.randint(100, 999)}@{rnd.choice(['bulk.example', 'x.biz'])}"
    else:
        addr = f"{first.lower()}@{rnd.choice(WORK_DOMAINS)}"
    extra = ""
    if label == "newsletter" and rnd.random() < 0.8:
        extra = "List-Unsubscribe: <https://news.example/unsub>\r\nPrecedence: bulk\r\n"
    return f"{first} {last} <{addr}>", first, extra


def labelled(n: int, seed: int = 7, start: datetime | None = None) -> list[tuple[str, bytes]]:
    rnd = random.Random(seed)
    start = start or datetime(2026, 11, 1, 9, tzinfo=UTC)
    labels = list(TEMPLATES)
    out: list[tuple[str, bytes]] = []
    for i in range(n):
        label = labels[i % len(labels)]
        subject, body = rnd.choice(TEMPLATES[label])
        frm, first, extra = _headers(label, rnd)
        fill = {"first": first, "day": rnd.choice(DAYS), "topic": rnd.choice(TOPICS)}
        to = ME if label != "work" or rnd.random() < 0.5 else f"team@{ME.split('@')[1]}"
        date = format_datetime(start + timedelta(minutes=7 * i))
        raw = (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject.format(**fill)}\r\n"
               f"Message-ID: <{uuid.UUID(int=rnd.getrandbits(128)).hex}@gen.example>\r\n"
               f"Date: {date}\r\n{extra}MIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               f"{body.format(**fill)}\r\n")
        out.append((label, raw.encode()))
    return out


# Written after the rules were fixed and never used to tune them: a fairer accuracy check.
HELD_OUT: list[tuple[str, str, str, str]] = [
    ("needs-reply", "Liam Novak <liam@partnerco.example>", "Quote approval",
     "Sam, the supplier needs a yes or no on the quote before Thursday. Which way are we going?"),
    ("needs-reply", "Rosa Ali <rosa.ali@gmail.com>", "Saturday",
     "Do you still want to borrow the tent this Saturday? Tell me and I'll drop it off."),
    ("needs-reply", "HR <hr@acme.example>", "Form missing",
     "Hello Sam, we still need your signed tax form. Please return it by 30 November."),
    ("needs-reply", "Kemi Okafor <kemi@clientcorp.example>", "Slides",
     "Could you send me the slides from yesterday's workshop?"),
    ("personal", "Grace Lee <grace.lee@icloud.com>", "Guess what",
     "We got the puppy! She's called Biscuit and she already chewed my shoes."),
    ("personal", "Dad <dad.brown@yahoo.com>", "Sunday roast",
     "Your mum is making the roast on Sunday, come hungry. Love, Dad"),
    ("personal", "Hiro Tanaka <hiro.t@proton.me>", "trip pics",
     "Uploaded the trip photos to the shared album. Kyoto was amazing."),
    ("work", "Jon Rossi <jon@acme.example>", "Outage postmortem",
     "Attached is the postmortem for Tuesday's outage. Root cause was a bad config push."),
    ("work", "Build Bot <builds@acme.example>", "Nightly build passed",
     "All 1,204 tests passed on the nightly build of the billing service."),
    ("work", "Ines Garcia <ines@clientcorp.example>", "Signed SOW",
     "For your records, the countersigned statement of work is attached. Nothing else needed."),
    ("newsletter", "The Verge-ish <newsletter@technews.example>", "Tuesday's tech briefing",
     "Today: chips, phones and a robot vacuum. Read online. To stop receiving these, click here."),
    ("newsletter", "Bookshop <offers@books.example>", "New arrivals you'll love",
     "Fresh picks for autumn. Manage your subscription in your account settings."),
    ("newsletter", "Running Club <club@running.example>", "November digest",
     "Race results, a new route and the social calendar. Unsubscribe at the bottom."),
    ("junk", "Bank Support <secure@bank-verify.example>", "Account locked",
     "Your account is locked. Verify now to avoid suspension: http://bank-verify.example/login"),
    ("junk", "Mrs Williams <mw@x.biz>", "Charity donation",
     "I wish to donate 4.5 million USD to you as beneficiary of my late husband's fund."),
    ("junk", "Deals <deals@x.biz>", "Make $5000 a week",
     "Work from home and earn big! No experience. Limited time offer, act now."),
]


def held_out() -> list[tuple[str, bytes]]:
    out = []
    for i, (label, frm, subject, body) in enumerate(HELD_OUT):
        raw = (f"From: {frm}\r\nTo: {ME}\r\nSubject: {subject}\r\nMessage-ID: <h{i}@gen.example>"
               f"\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
               + ("List-Unsubscribe: <https://x.example/u>\r\n" if i == 11 else "")
               + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
        out.append((label, raw.encode()))
    return out
