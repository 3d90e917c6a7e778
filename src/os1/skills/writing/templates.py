"""The words a letter is built from: openings and closings per occasion, lead-ins and
reflections around each memory, by the memory's tone. None of them states a fact (no names,
dates or places): facts only ever come from the client's history. Data only.
"""

from __future__ import annotations

import re

# occasion -> words that name it
OCCASIONS: dict[str, tuple[str, ...]] = {
    "anniversary": ("anniversary", "years together", "years married", "wedding day"),
    "birthday": ("birthday", "turns", "turning", "bday"),
    "thanks": ("thank", "thanks", "grateful", "gratitude", "appreciation"),
    "apology": ("sorry", "apolog", "forgive", "make up", "mistake", "regret"),
    "sympathy": ("loss", "passed away", "funeral", "condolence", "grief", "died", "mourning",
                 "in memory"),
    "congratulations": ("congrat", "graduat", "promotion", "new job", "retire", "engage",
                        "wedding", "new baby", "award", "achievement", "proud"),
    "missing": ("miss", "far away", "away", "moving", "goodbye", "farewell", "deploy",
                "distance", "abroad", "long distance"),
    "get_well": ("get well", "sick", "hospital", "surgery", "recover", "illness", "ill"),
    "holiday": ("christmas", "new year", "thanksgiving", "hanukkah", "mother's day",
                "father's day", "easter", "valentine", "holiday", "diwali", "eid"),
}
# occasion -> words in a memory that make it fit
OCCASION_THEMES: dict[str, tuple[str, ...]] = {
    "anniversary": ("met", "married", "wedding", "together", "years", "first", "love", "dance",
                    "danced", "proposed", "honeymoon", "home", "house", "built"),
    "birthday": ("born", "birthday", "grew", "young", "child", "little", "year", "cake",
                 "party", "taught", "first"),
    "thanks": ("helped", "gave", "drove", "built", "made", "taught", "stayed", "fixed",
               "carried", "lent", "cooked", "sat", "waited", "visited", "there"),
    "apology": ("argued", "fight", "missed", "forgot", "sorry", "hurt", "promise", "trust",
                "laughed", "together"),
    "sympathy": ("remember", "laughed", "together", "loved", "always", "kind", "taught"),
    "congratulations": ("worked", "studied", "proud", "dream", "first", "practice", "hard",
                        "school", "taught", "always", "knew"),
    "missing": ("together", "home", "trip", "summer", "lake", "porch", "kitchen", "walks",
                "every", "used", "sunday", "evenings"),
    "get_well": ("strong", "hospital", "laughed", "walked", "stubborn", "tough", "recovered",
                 "never", "gave"),
    "holiday": ("christmas", "tree", "snow", "dinner", "family", "tradition", "every",
                "year", "gifts", "kitchen"),
    "general": ("remember", "always", "first", "together", "love", "laughed"),
}
ROMANTIC = ("husband", "wife", "partner", "girlfriend", "boyfriend", "fiancé", "fiancée",
            "fiance", "fiancee", "spouse", "love", "sweetheart")
FAMILY = ("mother", "father", "mom", "mum", "dad", "son", "daughter", "sister", "brother",
          "grandmother", "grandfather", "grandma", "grandpa", "aunt", "uncle", "niece",
          "nephew", "cousin", "child", "parent", "grandson", "granddaughter", "stepson",
          "stepdaughter")

OPENINGS: dict[str, list[str]] = {
    "anniversary": [
        "Happy {occasion}, {address}. I sat down to write you something simple and found I "
        "had far too much to say.",
        "Happy {occasion}, {address}. Every year I think I couldn't love you more, and every "
        "year I'm wrong.",
        "{address_cap}, happy {occasion}. I've been turning the words over for days, and none "
        "of them feels big enough.",
    ],
    "birthday": [
        "Happy {occasion}, {address}! Another year of you in the world, and the world is "
        "better for it.",
        "Happy {occasion}, {address}. I wanted to give you something that won't fit in a box, "
        "so here are a few things I remember.",
    ],
    "thanks": [
        "I've been meaning to write this for a long time, {address}, and I want to get it "
        "right: thank you.",
        "Some thank-yous are too big to say in passing, {address}, so I'm writing this one down.",
    ],
    "apology": [
        "{address_cap}, I've started this letter more times than I can count. I'm sorry, and I "
        "want you to hear it properly.",
        "I owe you an apology, {address}, and you deserve more than a rushed one.",
    ],
    "sympathy": [
        "I've been thinking of you every day, {address}. There are no right words, but I "
        "didn't want to say nothing.",
        "{address_cap}, I'm so sorry. I wish I could sit beside you instead of writing this.",
    ],
    "congratulations": [
        "Congratulations, {address}! When I heard, I had to sit down and write to you straight "
        "away.",
        "{address_cap}, congratulations. I'm so proud of you I could burst.",
    ],
    "missing": [
        "It's quiet here without you, {address}. I keep saving up things to tell you.",
        "{address_cap}, I miss you. I miss you at breakfast and I miss you in the evenings, "
        "and I thought I'd better write it down.",
    ],
    "get_well": [
        "I'm so sorry you're going through this, {address}. I wanted you to have something to "
        "read that isn't a leaflet.",
        "{address_cap}, I've been thinking about you every hour. Here is a little company "
        "on paper.",
    ],
    "holiday": [
        "Happy {occasion}, {address}. This time of year always makes me think of you.",
        "Happy {occasion}, {address}! I wanted to send you more than a card this year.",
    ],
    "general": [
        "I don't say it often enough, {address}, so I'm writing it down where you can keep it.",
        "I was thinking about you today, {address}, and I wanted to put a few things on paper.",
    ],
}

CLOSINGS: dict[str, list[str]] = {
    "anniversary": ["Here's to the next chapter, and the one after that."],
    "birthday": ["Here's to the year ahead, and to you."],
    "thanks": ["Thank you, truly. I hope you know how much it meant."],
    "apology": ["I hope you can forgive me. I'll do better, I promise."],
    "sympathy": ["I'm here, whenever you need me, for as long as you need me."],
    "congratulations": ["You earned every bit of this. I couldn't be prouder."],
    "missing": ["Write back when you can. Until then, I'm counting the days."],
    "get_well": ["Rest, be stubborn, and get well soon. I'm thinking of you every day."],
    "holiday": ["I hope the season is kind to you."],
    "general": ["I just wanted you to know."],
}
RELATION_CLOSINGS: dict[str, list[str]] = {
    "romantic": ["I love you, today and every day.",
                 "However many years we have, I want every one of them with you."],
    "family": ["I love you, always.", "I'm so proud of you, and I love you very much."],
    "friend": ["I'm lucky to call you my friend.", "Thank you for being exactly who you are."],
}
DEFAULT_SIGN_OFF = {"romantic": "With all my love,", "family": "With love,",
                    "friend": "Warmly,"}

TONES: dict[str, tuple[str, ...]] = {
    "beginning": ("met", "first", "introduced", "fell for", "first date", "proposed"),
    "funny": ("laugh", "funny", "joke", "silly", "ridiculous", "stepped on", "spilled",
              "burnt", "burned", "snore", "teased", "pretended", "dropped", "fell in the"),
    "hard": ("sick", "hospital", "chemo", "died", "funeral", "fired", "hard", "worst", "cried",
             "storm", "broke", "surgery", "grief", "alone", "scared", "lost his", "lost her",
             "lost my", "lost our", "passed"),
    "care": ("built", "made", "fixed", "drove", "cooked", "taught", "carried", "sewed",
             "brought", "helped", "waited", "stayed", "knitted", "saved", "lent", "gave"),
    "parting": ("moved", "left for", "leaving", "goodbye", "posting", "deployed", "went away"),
    "place": ("trip", "lake", "beach", "road", "summer", "holiday", "vacation", "travel",
              "mountain", "cabin", "garden", "porch", "kitchen", "city"),
}
LEAD_INS: dict[str, list[str]] = {
    "beginning": ["I still think about how it all started.", "Do you remember the beginning?"],
    "funny": ["I still laugh about this one.", "Do you remember this?"],
    "hard": ["I've never properly thanked you for this.",
             "I think about the hard days too, because you were there for them."],
    "care": ["I don't think I ever told you how much this meant to me.",
             "Some things you do, I will never forget."],
    "place": ["Do you remember this?", "Some days I close my eyes and I'm back there."],
    "parting": ["This part is harder to write.", "I've thought a lot about this."],
    "general": ["I keep coming back to this.", "Do you remember?"],
    "mine": ["I remember this like it was yesterday.", "I still think about this."],
}
NEXT_LEAD_INS = ["And there's something else.", "And then there's this.",
                 "I think about this one often, too."]
REFLECTIONS: dict[str, list[str]] = {
    "beginning": ["Everything good since seems to start right there.",
                  "I had no idea then how lucky I was."],
    "funny": ["I'm smiling just writing it down.",
              "I still can't tell that story without laughing."],
    "hard": ["I don't know how I would have managed without you.",
             "That's when I knew I could lean on you for anything."],
    "care": ["That's who you are to me.", "It said more than any words could have."],
    "parting": ["I'm proud of you for going, even if I miss you every day.",
                "Distance is only miles; it doesn't change a thing between us."],
    "place": ["I'd go back there tomorrow if I could.",
              "It's one of the places I keep in my heart."],
    "general": ["I think about that more than you know.",
                "I wouldn't trade that for anything.",
                "I hope you remember it the way I do.",
                "Funny, the things that stay with you."],
    "mine": ["I hope you remember it too.", "I think about that more than you know.",
             "I would do it all again."],
}


def all_template_text() -> str:
    groups = [*OPENINGS.values(), *CLOSINGS.values(), *RELATION_CLOSINGS.values(),
              *LEAD_INS.values(), *REFLECTIONS.values(), NEXT_LEAD_INS,
              list(DEFAULT_SIGN_OFF.values())]
    return " ".join(s for g in groups for s in g)


def template_words() -> frozenset[str]:
    """Every word our own sentences use (lowercase): such a word states no fact."""
    text = re.sub(r"\{\w+\}", " ", all_template_text())
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z'’-]+", text))
