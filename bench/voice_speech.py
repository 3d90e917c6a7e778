"""The speech bench/voice.py hears: its sentences (UTTERANCES, on which settings were chosen,
and HELD_OUT, never used to choose anything) spoken by voices that are not os1's own (espeak-ng
and, when installed, Festival), and white noise at a given SNR."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

# the same synthesis the voice tests hear (bench/voice.py puts the repository on the path)
from tests.voice.conftest import espeak, festival

UTTERANCES = [
    "What's on my calendar for tomorrow morning?",
    "Remind me to call my mother at six this evening.",
    "Read me the latest message from Amelia.",
    "How are you feeling today?",
    "I had a really long day at work.",
    "Can you summarise my unread emails?",
    "Set a timer for fifteen minutes.",
    "What did I tell you about my brother last week?",
    "Write a short note saying I will be late for dinner.",
    "Do I have any meetings this afternoon?",
    "Move my dentist appointment to next Tuesday.",
    "Tell me something that will make me smile.",
    "Who sent me that letter about the apartment?",
    "Please reply that I can meet on Thursday at noon.",
    "What was the name of the book you recommended?",
    "I think I need a holiday somewhere warm.",
    "Add milk, eggs and bread to my shopping list.",
    "When is my sister's birthday?",
    "Cancel the call with the design team.",
    "Let's talk about something else for a while.",
    "Is it going to rain this weekend?",
    "Open the document I was writing yesterday.",
    "How many unread messages do I have?",
    "Thank you, that was very helpful.",
    "I can't sleep, will you talk with me for a bit?",
    "Find the photos from our trip to the coast.",
    "What time does the train leave in the morning?",
    "Send the report to Paul before five o'clock.",
    "Did anyone reply to my invitation?",
    "Tell me a short story about a lighthouse.",
    "I'm nervous about the interview on Monday.",
    "Please don't delete anything without asking me.",
    "What do you remember about my first day here?",
    "Schedule a lunch with Catherine next week.",
    "Is there anything important I should know today?",
    "Turn the volume down a little.",
    "Why do you think I keep putting this off?",
    "Give me three ideas for the weekend.",
    "Forward this email to my accountant.",
    "I finally finished the letter to my father.",
    "What should I cook for dinner tonight?",
    "Remind me to take my medicine after breakfast.",
    "How long have we been talking?",
    "Mark all the newsletters as read.",
    "Can you help me write a birthday message?",
    "I'd like to go for a walk before it gets dark.",
    "Who is coming to the party on Saturday?",
    "Please stop, I want to ask something else.",
    "Play the music I listened to last night.",
    "What's the weather like in Paris right now?",
    "Archive everything from the old project.",
    "Good night, talk to you tomorrow.",
    "Tell me about the ocean.",
    "Book a table for two at eight.",
    "I'm happy today, the sun is out.",
    "Where did I put my notes from the meeting?",
    "Could you read that again, a bit slower?",
    "Don't send anything until I say so.",
    "What's the first thing on my list?",
    "How do you choose your own name?",
]
# Never used to choose any setting: a check that the settings chosen on UTTERANCES hold on
# speech they were not tuned on.
HELD_OUT = [
    "Please read me the last message from my landlord.",
    "What time does the pharmacy close on Sundays?",
    "Move my dentist appointment to next Thursday morning.",
    "Tell Rachel I'm running ten minutes late.",
    "Did anyone reply to the invitation I sent yesterday?",
    "Archive every newsletter older than a month.",
    "How long will it take to drive to the airport?",
    "Remind me to buy a birthday present for Oliver.",
    "What's on my calendar for the weekend?",
    "Draft a thank you note to my neighbour for the flowers.",
    "Turn the volume down a little.",
    "Who was the last person I spoke to about the budget?",
    "Find the receipt for the new washing machine.",
    "Can you check if my flight is on time?",
    "Save this idea for the novel about the lighthouse keeper.",
    "Play something quiet while I work.",
    "Delete the duplicate photos from last summer.",
    "When did I last call my grandmother?",
    "Book a table for four at the Italian place on Friday.",
    "Read that again, a bit slower please.",
    "I think I left my keys at the office.",
    "Summarise the letter from the insurance company.",
    "What did Maria say about the project deadline?",
    "Put the electricity bill on my list for tomorrow.",
    "Let me know when the package arrives.",
    "How many steps did I walk today?",
    "Forward the contract to my accountant.",
    "Is it going to rain this afternoon?",
    "Cancel my gym class on Wednesday evening.",
    "Write back to James and say the plan sounds great.",
    "I'm feeling a bit tired today.",
    "Tell me a story about the mountains.",
    "Add a meeting with the bank at half past two.",
    "Which emails still need an answer from me?",
    "Start a new note called garden ideas.",
    "Thank you, that was really helpful.",
    "What was the name of the restaurant we liked in Rome?",
    "Show me the photos from my sister's wedding.",
    "Set an alarm for seven tomorrow morning.",
    "Open the document I was editing last night.",
    "Do I owe anyone money this month?",
    "Let's plan a quiet evening at home.",
    # a second 42, written after the first held-out run and never used to choose anything
    "Could you remind me about the parcel when I get home?",
    "Write a short note to Daniel about the weekend.",
    "Which of my friends have a birthday this month?",
    "Read the newest email from the school.",
    "I'd like to go for a walk after lunch.",
    "What did the doctor say on Tuesday?",
    "Move the team meeting to three o'clock.",
    "Tell my brother I'll call him tonight.",
    "Put my tax documents in one folder.",
    "Is there anything urgent in my inbox?",
    "Send the photos to my mother, please.",
    "How was your day?",
    "Find the recipe my aunt sent me.",
    "Delete the old drafts from last year.",
    "What should I cook for dinner tonight?",
    "Check my calendar for next Monday.",
    "I can't sleep, can we talk for a while?",
    "Remind me to take my medicine at nine.",
    "Reply to Sophie and say I'll be there.",
    "What was the last thing I asked you?",
    "Tidy up my downloads folder.",
    "Proofread the letter to the council.",
    "Who sent me that long message this morning?",
    "Add milk and bread to the shopping list.",
    "When is my next train to London?",
    "I'm nervous about the interview tomorrow.",
    "Make the chapter titles bold.",
    "Did my landlord answer about the heating?",
    "Let's write a poem about the sea.",
    "Cancel everything on Friday afternoon.",
    "Show me the notes from the last meeting.",
    "Call me by my first name from now on.",
    "What's the weather like in Paris?",
    "Turn my essay into a PDF.",
    "How much did I spend on groceries?",
    "Wake me up at half past six.",
    "Can you sort these receipts by date?",
    "Tell me something that made you laugh.",
    "Archive the messages from the book club.",
    "I finished the first draft of my story.",
    "Who is coming to the party on Saturday?",
    "Play the song I liked yesterday.",
]


VOICES = ["en-us", "en-us+f3", "en-us+m3", "en-gb", "en-us+f2", "en-gb-x-rp"]
# A second source of speech, closer to a person than espeak-ng's formant synthesis: Festival
# (Debian: festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k) with an HTS voice
# trained on a woman's recordings (CMU ARCTIC slt) and two diphone voices cut from men's.
FESTIVAL_VOICES = ["cmu_us_slt_arctic_hts", "kal_diphone", "ked_diphone"]


def has_festival() -> bool:
    return shutil.which("text2wave") is not None and all(
        list(Path("/usr/share/festival/voices").glob(f"*/{v}")) for v in FESTIVAL_VOICES)


Said = list[tuple[str, str, np.ndarray]]  # sentence, voice, 16 kHz samples


def speak(sentences: list[str], source: str) -> Said:
    """Each sentence in the next voice of ``source`` ("espeak" or "festival"), in turn."""
    voices, synth = (VOICES, espeak) if source == "espeak" else (FESTIVAL_VOICES, festival)
    return [(t, voices[i % len(voices)], synth(t, voices[i % len(voices)]))
            for i, t in enumerate(sentences)]


def with_noise(x: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    power = float(np.mean(x[np.abs(x) > 0.01] ** 2))
    noise = rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(x))
    return np.clip(x + noise, -1, 1).astype(np.float32)
