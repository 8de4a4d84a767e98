"""Prompts rendered to speech on this machine: espeak-ng, then sox to what Asterisk plays.

Asterisk refuses a 22 kHz wav: the file is 8 kHz, mono, 16-bit signed. ``-D``
(no dither) makes the output identical between runs, so a prompt is rendered
once per distinct text and voice, named by their hash, and re-rendered only
when the text changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from astreinte.domain.errors import AstreinteError

DEFAULT_VOICE = "fr-fr"
SPEED = 150


class SpeechError(AstreinteError):
    """espeak-ng or sox failed, or is missing."""


@dataclass(frozen=True)
class Prompt:
    file: Path          # where astreinte wrote it
    media: str          # what to hand ARI: sound:<path as Asterisk sees it, no extension>


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
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    try:
        speech = await _run(["espeak-ng", "-v", voice, "-s", str(SPEED), "--stdout", text])
        await _run(["sox", "-t", "wav", "-", "-D", "-r", "8000", "-c", "1", "-b", "16",
                    "-e", "signed-integer", "-t", "wav", str(partial)], stdin=speech)
        partial.replace(target)
    except FileNotFoundError as exc:
        raise SpeechError(f"{exc.filename} is not installed (apt-get install espeak-ng sox)") from exc
    finally:
        partial.unlink(missing_ok=True)
    return prompt


async def _run(argv: list[str], stdin: bytes | None = None) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate(stdin)
    if proc.returncode != 0:
        raise SpeechError(f"{argv[0]} failed ({proc.returncode}): {err.decode(errors='replace').strip()[:200]}")
    return out
