"""Prompts rendered to speech on this machine: espeak-ng, then sox to what Asterisk plays.

Asterisk refuses a 22 kHz wav: the file is 8 kHz, mono, 16-bit signed. ``-D``
(no dither) makes the output identical between runs, so a prompt is rendered
once per distinct text and voice, named by their hash, and re-rendered only
when the text changes. Asterisk runs as another user: files are 0644, and a
folder created here 0755, whatever the daemon's umask.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from astreinte.domain.errors import AstreinteError

DEFAULT_VOICE = "fr-fr"
VOICES = {"fr": "fr-fr", "en": "en-gb"}      # espeak-ng's voice of each language of ``i18n.LANGUAGES``
SPEED = 150
# Asterisk (another user) plays these: readable whatever the daemon's umask (systemd: UMask=0077)
PUBLIC_FILE = 0o644
PUBLIC_DIR = 0o755
LENGTHS = "sound-lengths.json"     # how long Asterisk's own sounds play (domain/calls/play_lengths.py)
# espeak-ng renders a sentence in well under a second; a child still running after this is stuck
# (and would hold the message or the greeting waiting on it for ever): it is killed
RENDER_TIMEOUT = 30.0


class SpeechError(AstreinteError):
    """espeak-ng or sox failed, or is missing."""


@dataclass(frozen=True)
class Prompt:
    file: Path          # where astreinte wrote it
    media: str          # what to hand ARI: sound:<path as Asterisk sees it, no extension>

    @property
    def seconds(self) -> float | None:
        """How long it plays (None: unreadable)."""
        try:
            with wave.open(str(self.file), "rb") as audio:
                return audio.getnframes() / float(audio.getframerate() or 8000)
        except (OSError, EOFError, wave.Error):
            return None


def prompt_name(text: str, voice: str = DEFAULT_VOICE) -> str:
    digest = hashlib.sha256(f"{voice}\0{SPEED}\0{text}".encode()).hexdigest()[:16]
    return f"tts-{digest}"


async def render(text: str, directory: Path, asterisk_dir: str, voice: str = DEFAULT_VOICE,
                 name: str | None = None) -> Prompt:
    """Render ``text`` once (cached by content, or under ``name``) and return where it is."""
    name = name or prompt_name(text, voice)
    target = directory / f"{name}.wav"
    prompt = Prompt(target, f"sound:{asterisk_dir.rstrip('/')}/{name}")
    if target.exists() and target.stat().st_size > 44:
        return prompt
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(PUBLIC_DIR)
    partial = target.with_suffix(f".{os.getpid()}.part")
    try:
        speech = await _run(["espeak-ng", "-v", voice, "-s", str(SPEED), "--stdout", text])
        await _run(["sox", "-t", "wav", "-", "-D", "-r", "8000", "-c", "1", "-b", "16",
                    "-e", "signed-integer", "-t", "wav", str(partial)], stdin=speech)
        partial.chmod(PUBLIC_FILE)
        partial.replace(target)
    except FileNotFoundError as exc:
        raise SpeechError(f"{exc.filename} is not installed (apt-get install espeak-ng sox)") from exc
    finally:
        partial.unlink(missing_ok=True)
    return prompt


async def _run(argv: list[str], stdin: bytes | None = None) -> bytes:
    timeout = RENDER_TIMEOUT
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate(stdin)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise SpeechError(f"{argv[0]} did not finish within {timeout:g} s (killed)") from None
    except asyncio.CancelledError:
        if proc.returncode is None:     # no orphan left behind (asyncio's child watcher reaps it)
            proc.kill()
        raise
    if proc.returncode != 0:
        raise SpeechError(f"{argv[0]} failed ({proc.returncode}): {err.decode(errors='replace').strip()[:200]}")
    return out


def read_lengths(directory: Path) -> dict[str, float]:
    """The lengths of Asterisk's own sounds a previous daemon saw them play ({} when none)."""
    try:
        data = json.loads((directory / LENGTHS).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(media): float(seconds) for media, seconds in data.items()
            if isinstance(seconds, (int, float)) and 0 <= seconds < 3600}


def write_lengths(directory: Path, lengths: Mapping[str, float]) -> None:
    """Kept for the next daemon, in the prompts folder (which must exist: it is never created here)."""
    temporary = directory / f".{LENGTHS}.tmp"
    temporary.write_text(json.dumps(dict(sorted(lengths.items())), indent=1) + "\n")
    os.replace(temporary, directory / LENGTHS)
