"""Voice: speech in (Whisper), speech out (Piper / espeak-ng), voice activity and end of turn,
echo rejection, and the streaming voice loop that turns engine events into audio.

May import os1.errors, os1.events and os1.config; the loop takes the engine's ``turn``
function as an argument (it never builds an engine itself). Models load lazily, from
package directories only.
"""

from __future__ import annotations

from os1.voice.tts import available_voices

__all__ = ["available_voices"]
