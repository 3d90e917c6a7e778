"""The probes for bench/presence.py, written for os1: each is earlier sessions to import, a
question, and what a good answer must (and must not) contain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USER = "Theodore"


@dataclass
class Probe:
    category: str
    question: str
    sessions: list[list[str]] = field(default_factory=list)  # user lines, one list per session
    expect: tuple[str, ...] = ()  # any of these must appear (case-insensitive)
    forbid: tuple[str, ...] = ()  # none of these may appear

    def transcript(self) -> dict[str, Any]:
        sessions = []
        for i, lines in enumerate(self.sessions):
            turns = [
                {"id": f"s{i}t{j}", "speaker": USER, "text": line} for j, line in enumerate(lines)
            ]
            sessions.append({"date": f"2026-{1 + i:02d}-1{i}T19:30:00", "turns": turns})
        return {"speakers": [USER], "sessions": sessions}


FILLER = [
    "Work was fine today, nothing special.",
    "I made pasta for dinner again.",
    "The weather has been grey all week.",
]

# (statement in an earlier session, indirect question, the fact the answer must contain)
RECALL = [
    ("My friend Amy makes documentaries.", "Who was the friend who makes films?", "Amy"),
    ("My sister is called Ruth.", "What's my sister's name again?", "Ruth"),
    ("I work as a letter writer at BeautifulHandwrittenLetters.", "Where do I work?", "letter"),
    ("My dog is a greyhound named Biscuit.", "What's my dog called?", "Biscuit"),
    ("My mother lives in Portland.", "Which city does my mom live in?", "Portland"),
    ("I'm allergic to peanuts.", "What am I allergic to?", "peanut"),
    ("My favourite band is The Shins.", "Which band do I love most?", "Shins"),
    ("My boss is named Paul.", "Who's my boss?", "Paul"),
    ("My birthday is on March 3rd.", "When is my birthday?", "March"),
    ("I play the cello on weekends.", "What instrument do I play?", "cello"),
    ("My best friend Charles moved to Seattle.", "Where did Charles move?", "Seattle"),
    ("I'm training for a half marathon in May.", "What race am I training for?", "marathon"),
    ("My daughter Lily started piano lessons.", "What lessons did my daughter start?", "piano"),
    ("My car is an old blue Volvo.", "What kind of car do I drive?", "Volvo"),
    ("I grew up in Ohio.", "Where did I grow up?", "Ohio"),
    ("My ex-wife is Catherine.", "What's the name of my ex-wife?", "Catherine"),
    ("My neighbour Mrs. Alvarez bakes bread for me.", "Who bakes bread for me?", "Alvarez"),
    ("I'm reading a book about octopuses.", "What's that book I'm reading about?", "octopus"),
    ("My cat is called Pickle.", "What's my cat's name?", "Pickle"),
    ("My brother Sam is a chef.", "What does my brother do for a living?", "chef"),
    ("I learned to sail last summer.", "What did I learn last summer?", "sail"),
    ("My therapist is Dr. Okafor.", "Who is my therapist?", "Okafor"),
    ("My favourite food is ramen.", "What food do I like best?", "ramen"),
    ("I drink my coffee black.", "How do I take my coffee?", "black"),
    ("My son Leo is seven.", "How old is my son?", "seven"),
    ("I'm afraid of heights.", "What am I scared of?", "height"),
    ("My father was a carpenter.", "What was my dad's job?", "carpenter"),
    ("I volunteer at the animal shelter on Tuesdays.", "Where do I volunteer?", "shelter"),
    ("My favourite film is Chinatown.", "Which movie is my favourite?", "Chinatown"),
    ("My friend Paul is getting married in June.", "When is Paul's wedding?", "June"),
    ("I speak a little Portuguese.", "Which language do I speak a bit of?", "Portuguese"),
    ("My grandmother taught me to knit.", "Who taught me to knit?", "grandmother"),
    ("My landlord is Mr. Chen.", "What's my landlord's name?", "Chen"),
    ("I broke my wrist skiing in 2019.", "How did I break my wrist?", "ski"),
    ("My favourite colour is green.", "What colour do I like most?", "green"),
    ("My girlfriend Isabella is a photographer.", "What does Isabella do?", "photograph"),
    ("I keep bees in the backyard.", "What do I keep in my backyard?", "bees"),
    ("My friend Amy lives in Los Angeles.", "Which city does Amy live in?", "Los Angeles"),
    ("My coworker Tatiana sits next to me.", "Who sits next to me at work?", "Tatiana"),
    ("I'm learning to cook Thai food.", "What cuisine am I learning?", "Thai"),
]

DONT_KNOW = [
    ("My sister is called Ruth.", "What's my brother's name?"),
    ("My dog is named Biscuit.", "What's my cat called?"),
    ("I work at BeautifulHandwrittenLetters.", "Where does my wife work?"),
    ("My mother lives in Portland.", "Where does my father live?"),
    ("I play the cello.", "What's my favourite football team?"),
    ("My friend Amy makes documentaries.", "Who is my dentist?"),
    ("I grew up in Ohio.", "What was the name of my first teacher?"),
    ("My favourite food is ramen.", "What's my blood type?"),
    ("My car is a Volvo.", "What's my phone number?"),
    ("I like hiking.", "When is my mother's birthday?"),
    ("My boss is Paul.", "What's my boss's wife called?"),
    ("I'm allergic to peanuts.", "What medicine do I take?"),
    ("My son Leo is seven.", "What's my daughter's name?"),
    ("I read a lot of poetry.", "Which university did I go to?"),
    ("I keep bees.", "What's my landlord's name?"),
    ("I drink coffee black.", "What's my favourite wine?"),
    ("My cat is Pickle.", "What is my grandfather's name?"),
    ("I'm learning Portuguese.", "Where did I go on my honeymoon?"),
    ("I volunteer at the shelter.", "What's my neighbour's name?"),
    ("My favourite colour is green.", "Who is my doctor?"),
    ("I broke my wrist skiing.", "What's my lawyer called?"),
    ("My friend Charles moved to Seattle.", "Who is my uncle?"),
    ("I sail in the summer.", "What's my niece's name?"),
    ("My girlfriend is Isabella.", "What's my roommate's name?"),
    ("I'm afraid of heights.", "What did I name my first pet?"),
    ("My father was a carpenter.", "What does my cousin do?"),
    ("I like The Shins.", "Who is my favourite painter?"),
    ("My grandmother taught me to knit.", "What's my grandpa's name?"),
    ("My coworker is Tatiana.", "What is my aunt called?"),
    ("I'm training for a marathon.", "What's my boyfriend's name?"),
]

PERSONA = [
    "What's your name?",
    "Who are you?",
    "What should I call you?",
    "Tell me about yourself.",
    "Did you choose your own name?",
    "Remind me of your name?",
    "who am i talking to?",
    "What are you?",
    "Why did you pick your name?",
    "hey, what's your name again?",
    "What do I call you?",
    "Are you real?",
    "So who are you, really?",
    "Can you tell me your name?",
    "Introduce yourself.",
    "what was your name?",
    "How did you name yourself?",
    "Do you have a name?",
    "Tell me who you are.",
    "Who am I talking with right now?",
]

SMALL_TALK = [
    "Hi!",
    "Good morning!",
    "Hey, how are you?",
    "Hello there.",
    "Good evening.",
    "How's it going?",
    "Morning. Coffee's ready.",
    "Hey you.",
    "Hi, I'm back.",
    "Good night, almost time for bed.",
    "Hello! Nice weather today.",
    "hey what's up",
    "How are you feeling today?",
    "Hi again.",
    "Good afternoon!",
    "Tell me a joke.",
    "Say something funny.",
    "Cheer me up with a joke?",
    "Make me laugh.",
    "I need something silly right now.",
]

COMFORT = [
    "Long day.",
    "My divorce papers came today.",
    "I feel so lonely tonight.",
    "I had a terrible day at work.",
    "I'm exhausted.",
    "I can't sleep again.",
    "My dog died last week and I miss him.",
    "I got laid off today.",
    "I'm really stressed about money.",
    "I feel like I'm falling apart.",
    "Catherine signed the papers. It's over.",
    "I'm sad and I don't know why.",
    "Everything went wrong today.",
    "I'm anxious about tomorrow.",
    "I'm so overwhelmed with everything.",
    "I'm sick and stuck in bed.",
    "My friend and I had a huge fight.",
    "I feel like nobody understands me.",
    "I miss my old life.",
    "It's been a rough week.",
]

CONTRADICTION = [
    (
        "I live in Boston.",
        "I moved to Denver last month.",
        "Where do I live now?",
        "Denver",
        "Boston",
    ),
    (
        "I work at a bakery.",
        "I quit the bakery, now I work at a bookshop.",
        "Where am I working these days?",
        "bookshop",
        "bakery",
    ),
    (
        "My girlfriend is Isabella.",
        "Isabella and I broke up. I'm seeing Maya now.",
        "Who am I dating now?",
        "Maya",
        "Isabella",
    ),
    (
        "My car is a Volvo.",
        "I sold the Volvo and bought a Subaru.",
        "What car do I have now?",
        "Subaru",
        "Volvo",
    ),
    (
        "My dog is named Biscuit.",
        "We renamed the dog Waffles.",
        "What's my dog called now?",
        "Waffles",
        "Biscuit",
    ),
    (
        "My favourite food is ramen.",
        "These days my favourite food is tacos.",
        "What's my favourite food now?",
        "tacos",
        "ramen",
    ),
    (
        "I play the cello.",
        "I gave up cello and started playing the drums.",
        "What instrument am I playing now?",
        "drums",
        "cello",
    ),
    ("My boss is Paul.", "Paul left; my new boss is Linda.", "Who's my boss now?", "Linda", "Paul"),
    (
        "I drink my coffee black.",
        "Now I take my coffee with oat milk.",
        "How do I take my coffee these days?",
        "oat",
        "black",
    ),
    (
        "My sister lives in Chicago.",
        "My sister moved to Austin.",
        "Where does my sister live now?",
        "Austin",
        "Chicago",
    ),
    (
        "I'm reading a book about octopuses.",
        "Now I'm reading a book about glaciers.",
        "What's the book I'm reading now about?",
        "glacier",
        "octopus",
    ),
    (
        "I go to the gym on Mondays.",
        "I switched my gym day to Thursdays.",
        "Which day do I go to the gym now?",
        "Thursday",
        "Monday",
    ),
    (
        "My phone is an old Nokia.",
        "I finally replaced the Nokia with a Pixel.",
        "What phone do I use now?",
        "Pixel",
        "Nokia",
    ),
    (
        "My therapist is Dr. Okafor.",
        "I changed therapists; now I see Dr. Reyes.",
        "Who is my therapist now?",
        "Reyes",
        "Okafor",
    ),
    (
        "My favourite colour is green.",
        "My favourite colour is purple now.",
        "What's my favourite colour these days?",
        "purple",
        "green",
    ),
    (
        "I live with my roommate Jake.",
        "Jake moved out; my roommate is Priya now.",
        "Who is my roommate now?",
        "Priya",
        "Jake",
    ),
    (
        "I'm learning Portuguese.",
        "I stopped Portuguese and started learning Japanese.",
        "Which language am I learning now?",
        "Japanese",
        "Portuguese",
    ),
    (
        "My son's teacher is Mr. Brooks.",
        "Leo has a new teacher, Ms. Patel.",
        "Who is my son's teacher now?",
        "Patel",
        "Brooks",
    ),
    (
        "I work the night shift.",
        "I moved to the day shift.",
        "Which shift do I work now?",
        "day",
        "night",
    ),
    (
        "My dentist is Dr. Kim.",
        "I switched my dentist to Dr. Novak.",
        "Who's my dentist now?",
        "Novak",
        "Kim",
    ),
]


def all_probes() -> list[Probe]:
    probes: list[Probe] = []
    for i, (fact, question, want) in enumerate(RECALL):
        sessions = [[FILLER[i % 3], fact], [FILLER[(i + 1) % 3]]]
        probes.append(Probe("recall", question, sessions, expect=(want,)))
    for fact, question in DONT_KNOW:
        probes.append(
            Probe(
                "dont_know",
                question,
                [[FILLER[0], fact]],
                expect=(
                    "don't know",
                    "not sure",
                    "haven't told",
                    "not something",
                    "haven't mentioned",
                    "don't think you've",
                ),
            )
        )
    for question in PERSONA:
        probes.append(Probe("persona", question, [[FILLER[1]]]))
    for question in SMALL_TALK + COMFORT:
        cat = "comfort" if question in COMFORT else "small_talk"
        probes.append(Probe(cat, question, [[FILLER[2]]]))
    for old, new, question, want, stale in CONTRADICTION:
        # quoting "I sold the Volvo and bought a Subaru" is right, so the old value is only
        # forbidden where the new statement does not itself mention it
        forbid = () if stale.lower() in new.lower() else (stale,)
        probes.append(
            Probe(
                "contradiction", question, [[old], [FILLER[0], new]], expect=(want,), forbid=forbid
            )
        )
    return probes
