"""Prompts rendered by the real espeak-ng and sox; a renderer that never ends is killed, not waited on."""
from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import pytest

from astreinte.adapters import speech
from astreinte.adapters.speech import SpeechError, render


async def test_a_sentence_becomes_an_8_khz_mono_file_asterisk_can_read(tmp_path: Path) -> None:
    prompt = await render("Bonjour, vous êtes en relation avec l'astreinte.", tmp_path / "prompts", "/srv/p")
    with wave.open(str(prompt.file), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
    assert prompt.seconds is not None and 1.0 < prompt.seconds < 10.0
    assert prompt.media == f"sound:/srv/p/{prompt.file.stem}"
    assert stat.S_IMODE(prompt.file.stat().st_mode) == 0o644       # Asterisk runs as another user
    written = prompt.file.stat().st_mtime_ns
    assert (await render("Bonjour, vous êtes en relation avec l'astreinte.", tmp_path / "prompts", "/srv/p")
            ).file.stat().st_mtime_ns == written                    # the same text is not rendered again


async def test_a_renderer_that_never_ends_is_killed_and_reported(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "pid"
    stuck = bin_dir / "espeak-ng"                                   # hangs as a child under a broken preload would
    stuck.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")
    stuck.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(speech, "RENDER_TIMEOUT", 0.5)
    with pytest.raises(SpeechError, match=r"espeak-ng did not finish within 0\.5 s"):
        await render("Un message vous attend.", tmp_path / "prompts", "/srv/p")
    with pytest.raises(ProcessLookupError):                         # killed and reaped: no process left
        os.kill(int(pid_file.read_text()), 0)
    assert list((tmp_path / "prompts").iterdir()) == []            # no half-written prompt left to be played


async def test_a_missing_renderer_names_the_package_to_install(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechError, match=r"espeak-ng is not installed \(apt-get install espeak-ng sox\)"):
        await render("Un message vous attend.", tmp_path / "prompts", "/srv/p")
