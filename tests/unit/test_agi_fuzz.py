"""Hypothesis fuzzing: the AGI parser and the YAML loader never crash with anything but their own located error."""

from __future__ import annotations

import json
import shlex
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astreinte.config import load
from astreinte.domain.errors import ConfigError
from astreinte.wire.agi import MAX_BUFFER, MAX_LINE, AgiParser, AgiProtocolError

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text(encoding="utf-8")
AGI_WORDS = [b"agi_network: yes\n", b"agi_extension: 1000\n", b"\n", b"200 result=1\n", b"520-x\n",
             b"520 End\n", b"HANGUP\n", b"\r\n", b"agi_", b": ", b"result=", b"(", b")", b"\x00", b"\xff",
             b"x" * 3000]                 # a peer that never ends its line: the buffer must stay bounded


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=300), st.sampled_from(AGI_WORDS)), max_size=60))
def test_agi_parser_only_raises_its_own_error(chunks: list[bytes]) -> None:
    """Whatever a peer sends, the parser returns items or raises AgiProtocolError, and never holds more
    than one line's worth of bytes (MAX_LINE) waiting for its end."""
    parser = AgiParser()
    try:
        for chunk in chunks:
            parser.feed(chunk)
            assert len(parser._buffer) <= min(MAX_LINE, MAX_BUFFER), "an unfinished line outgrew its bound"
    except AgiProtocolError:
        return


def test_a_line_longer_than_the_bound_is_refused_whole_or_in_pieces() -> None:
    for pieces in ([b"agi_x: " + b"y" * MAX_LINE + b"\n"], [b"agi_x: ", b"y" * (MAX_LINE // 2), b"y" * MAX_LINE]):
        parser = AgiParser()
        with pytest.raises(AgiProtocolError, match="longer than"):
            for piece in pieces:
                parser.feed(piece)
    parser = AgiParser()
    assert parser.feed(b"agi_x: " + b"y" * (MAX_LINE - 7) + b"\n") == [], "a line of exactly MAX_LINE is fine"


def _load_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load(path, environ={})
        except ConfigError as exc:
            assert exc.problems, "a ConfigError lists its problems"
            for problem in exc.problems:
                assert problem.file == str(path) and problem.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_yaml_loader_on_random_text(text: str) -> None:
    _load_text(text)


def _mutations() -> st.SearchStrategy[str]:
    lines = EXAMPLE.splitlines()
    tokens = st.sampled_from(["", "~", "[]", "{}", "- x", ": :", "&a", "*a", "!!python/object:os.system", "'",
                              '"', "\t", "99999999999999999999", "-1", "0", "yes", "09:00", "25:99", "${EXTEN}",
                              "PJSIP/x,1,G(y)", "\u00e9\u0000", "{a: [b, {c: d}]}", "1e9", "0x10"])

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        out = list(lines)
        for _ in range(draw(st.integers(1, 4))):
            index = draw(st.integers(0, len(out) - 1))
            kind = draw(st.integers(0, 3))
            token = draw(tokens)
            if kind == 0:
                out[index] = out[index].split(":", 1)[0] + ": " + token if ":" in out[index] else token
            elif kind == 1:
                del out[index]
            elif kind == 2:
                out.insert(index, out[draw(st.integers(0, len(out) - 1))])
            else:
                cut = draw(st.integers(0, len(out[index])))
                out[index] = out[index][:cut] + token + out[index][cut:]
        return "\n".join(out) + "\n"

    return mutate()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_yaml_loader_on_mutated_reference(text: str) -> None:
    _load_text(text)


def test_the_loader_never_constructs_python_objects(tmp_path: Path) -> None:
    """A Python tag in the file is a located error; its payload never runs (the marker file stays absent)."""
    marker = tmp_path / "payload-ran"
    payload = f"!!python/object/apply:os.system [{json.dumps('touch ' + shlex.quote(str(marker)))}]"
    text = EXAMPLE.replace("timezone: Europe/Paris", f"timezone: {payload}", 1)
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    assert not marker.exists(), "the loader ran the YAML's Python payload"
    assert [p.path for p in caught.value.problems] == ["timezone"], caught.value.problems
