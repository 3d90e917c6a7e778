"""Three fictional clients of the letters desk with rich histories (all invented for tests)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest


def need(tool: str) -> str:
    """The path of a command-line tool the tests read files with, or skip."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (see scripts/apt/writing-test.txt)")
    return path

CLIENTS: list[dict[str, Any]] = [
    {
        "name": "Roberta Hale",
        "profile": "Retired schoolteacher from Duluth, 74. She is dry and tender; she has "
                   "written to her husband every anniversary since 1975.",
        "recipients": [
            {"name": "Chris", "relation": "husband", "profile": "Retired ferry engineer.",
             "notes": [
                 "Roberta and Chris met at a dance at the Norshor Theatre in Duluth in 1974; "
                 "Chris stepped on her feet twice and apologised with a root beer float.",
                 "Chris built the blue rocking chair for Anna when she was born in 1979.",
                 "When Roberta was sick in 2009, Chris drove her to chemo every Tuesday and "
                 "sang Sinatra in the car, badly.",
                 "We spent our honeymoon in a leaky cabin on Lake Vermilion and laughed about "
                 "the bucket by the bed.",
                 "Every Sunday Chris makes blueberry pancakes shaped like the Great Lakes.",
                 "Chris kept the ferry running through the ice storm of 1991 and came home at "
                 "dawn smelling of diesel.",
             ],
             "letters": [
                 "My dearest Chris,\n\nForty-five years, and I still remember the night we "
                 "danced at the Norshor. You were a terrible dancer and I have never minded. "
                 "Thank you for the pancakes, for the cabin, for every Tuesday.\n\nForever "
                 "yours,\nRoberta",
                 "My dearest Chris,\n\nHappy birthday, my love. I remember the winter you "
                 "fixed the furnace with a coat hanger and a prayer. Nobody makes me laugh "
                 "like you do.\n\nForever yours,\nRoberta",
             ]},
            {"name": "Anna", "relation": "daughter", "profile": "Lives in Minneapolis.",
             "notes": [
                 "Anna learned to swim at Park Point when she was six and refused to get out.",
                 "Anna finished her nursing degree at the University of Minnesota in 2003.",
                 "Anna drove up from Minneapolis every weekend when Roberta was sick.",
             ],
             "letters": [
                 "Dear Anna,\n\nI remember the day you learned to swim at Park Point. "
                 "You have always been braver than me.\n\nForever yours,\nMom",
             ]},
        ],
    },
    {
        "name": "Marcus Bell",
        "profile": "A carpenter in Baltimore, 52. He is plain-spoken and writes short "
                   "sentences; he never uses contractions.",
        "recipients": [
            {"name": "Leo", "relation": "son", "profile": "Just graduated in engineering.",
             "notes": [
                 "Marcus taught Leo to use a chisel in the garage on Calvert Street when Leo "
                 "was nine; Leo cut his thumb and did not cry.",
                 "Leo built a bridge from popsicle sticks that held forty pounds at the "
                 "school science fair in 2014.",
                 "Leo studied every night at the kitchen table while Marcus sanded chairs.",
                 "Marcus and Leo drove to Pittsburgh for the campus visit in an old pickup "
                 "with no radio and sang the whole way.",
                 "Leo graduated from Carnegie Mellon with a degree in civil engineering.",
             ],
             "letters": [
                 "Leo,\n\nI am proud of you. I do not say it enough. I remember the day you "
                 "cut your thumb with the chisel and did not cry. That is who you are.\n\n"
                 "Your father,\nDad",
             ]},
            {"name": "Dev", "relation": "old friend", "profile": "Friend since the shipyard.",
             "notes": [
                 "Dev and Marcus worked the night shift at the Sparrows Point shipyard in "
                 "1992.",
                 "Dev lent Marcus the money for his first table saw and never asked for it "
                 "back.",
                 "Dev carried Marcus out of the flooded basement on Fleet Street in 2003.",
                 "Dev's wife Rosa makes crab cakes every Fourth of July for the whole block.",
             ],
             "letters": [
                 "Dev,\n\nThank you for the saw. I have not forgotten. When we worked the "
                 "night shift at Sparrows Point you kept me awake with terrible jokes.\n\n"
                 "Your friend,\nMarcus",
             ]},
        ],
    },
    {
        "name": "Priya Nair",
        "profile": "An ICU nurse in Toronto, 29. She is warm and funny and loves exclamation "
                   "marks; her grandmother raised her.",
        "recipients": [
            {"name": "Lakshmi", "relation": "grandmother",
             "profile": "Priya calls her Paati; she lives in Kochi.",
             "notes": [
                 "Lakshmi taught Priya to make mango pickle on the roof in Kochi every May.",
                 "Lakshmi sold her gold bangles in 2010 to pay for Priya's flight to Toronto.",
                 "Lakshmi sang old Malayalam film songs while braiding Priya's hair before "
                 "school.",
                 "Priya and Lakshmi watched the monsoon from the veranda and counted the "
                 "thunder.",
                 "Lakshmi turns 90 this year and still walks to the temple every morning.",
             ],
             "letters": [
                 "Dear Paati,\n\nI miss you so much! I remember the mango pickle on the roof "
                 "and your hands smelling of mustard seeds. The snow here is silly and I "
                 "love it anyway!\n\nHugs and mangoes,\nPriya",
             ]},
            {"name": "Sam", "relation": "girlfriend", "profile": "A paramedic; she is in "
             "Vancouver for a year.",
             "notes": [
                 "Priya and Sam met in the ER at Toronto General when Sam brought in a man "
                 "who had swallowed a key.",
                 "Sam made Priya a terrible lasagna on their first date and they ate cereal "
                 "instead.",
                 "We walked the Leslie Street Spit in the rain and Sam lost a shoe.",
                 "Sam moved to Vancouver in January for a year-long posting.",
             ],
             "letters": []},
        ],
    },
]

OCCASIONS = {
    ("Roberta Hale", "Chris"): "our 50th wedding anniversary",
    ("Roberta Hale", "Anna"): "her birthday",
    ("Marcus Bell", "Leo"): "his graduation",
    ("Marcus Bell", "Dev"): "to thank him for everything",
    ("Priya Nair", "Lakshmi"): "her 90th birthday",
    ("Priya Nair", "Sam"): "missing her while she is away",
}


def load(store: Any) -> None:
    """Put every client, recipient, note and past letter into a LetterStore."""
    for c in CLIENTS:
        store.add_client(c["name"], c["profile"])
        for r in c["recipients"]:
            store.add_recipient(c["name"], r["name"], r["relation"], r["profile"])
            for note in r["notes"]:
                store.add_note(c["name"], note, recipient=r["name"])
            for body in r["letters"]:
                store.add_letter(c["name"], r["name"], body, kind="past")
