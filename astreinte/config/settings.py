"""The ``asterisk:`` block: how astreinte reaches Asterisk (ARI, AMI), dials out, and stores prompts.

Secrets: ``ASTREINTE_ARI_PASSWORD`` (environment) wins over ``password_file``, which wins
over ``password``; likewise ``ASTREINTE_AMI_SECRET``, ``secret_file``, ``secret``. A
secret's value never appears in an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child

DEFAULT_PROMPTS = "/var/lib/asterisk/sounds/astreinte"
DEFAULT_RECORDINGS = "/var/spool/asterisk/recording"


@dataclass(frozen=True)
class AriSettings:
    url: str
    username: str
    password: str = field(repr=False)
    app: str


@dataclass(frozen=True)
class AmiSettings:
    host: str
    port: int
    username: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class PromptSettings:
    """Where astreinte writes rendered prompts (``dir``) and the same folder as Asterisk sees it."""

    dir: Path
    asterisk_dir: str


@dataclass(frozen=True)
class AsteriskSettings:
    ari: AriSettings
    ami: AmiSettings
    outbound: str            # dial template, e.g. PJSIP/{number}@trunk-out
    prompts: PromptSettings
    recordings: Path = Path(DEFAULT_RECORDINGS)   # Asterisk's spool/recording folder, as astreinte sees it


def read_secret(
    reader: Reader,
    fields: dict[str, yaml.Node],
    path: str,
    key: str,
    env_name: str,
    base: Path,
    environ: Mapping[str, str],
) -> str | None:
    """The secret from the environment, else ``<key>_file``, else ``<key>``; never echoed."""
    where = child(path, key)
    if environ.get(env_name):
        try:
            return values.secret(environ[env_name])
        except ValueError as exc:
            reader.error(None, env_name, str(exc))
            return None
    file_node = fields.get(f"{key}_file")
    if file_node is not None:
        name = reader.string(file_node, f"{where}_file")
        if name is None:
            return None
        secret_path = base / name
        try:
            content = secret_path.read_text(encoding="utf-8")
        except OSError as exc:
            reader.error(file_node, f"{where}_file", f"cannot read {secret_path}: {exc.strerror}")
            return None
        except UnicodeDecodeError:
            reader.error(file_node, f"{where}_file", f"{secret_path} is not UTF-8 text")
            return None
        reader.read_from(secret_path, content)
        content = content.rstrip("\r\n")
        try:
            return values.secret(content)
        except ValueError as exc:
            reader.error(file_node, f"{where}_file", f"the file's content {exc}")
            return None
    node = fields.get(key)
    if node is None:
        reader.error(None, where, f"missing: set {key}, {key}_file or ${env_name}")
        return None
    text = reader.string(node, where)
    if text is None:
        return None
    try:
        return values.secret(text)
    except ValueError as exc:
        reader.error(node, where, str(exc))
        return None


def read_asterisk(
    reader: Reader, node: yaml.Node | None, base: Path, environ: Mapping[str, str]
) -> AsteriskSettings | None:
    fields = reader.mapping(node, "asterisk", required=("ari", "ami", "outbound"), optional=("prompts", "recordings"))
    if fields is None:
        return None
    ari = ami = None
    ari_fields = reader.mapping(
        fields.get("ari"), "asterisk.ari", required=("url", "username", "app"),
        optional=("password", "password_file"),
    ) if "ari" in fields else None
    if ari_fields is not None:
        url = reader.get(ari_fields, "asterisk.ari", "url", values.url)
        username = reader.get(ari_fields, "asterisk.ari", "username", values.identifier)
        app = reader.get(ari_fields, "asterisk.ari", "app", values.identifier)
        password = read_secret(
            reader, ari_fields, "asterisk.ari", "password", "ASTREINTE_ARI_PASSWORD", base, environ
        )
        if url and username and app and password:
            ari = AriSettings(url, username, password, app)
    ami_fields = reader.mapping(
        fields.get("ami"), "asterisk.ami", required=("host", "username"),
        optional=("port", "secret", "secret_file"),
    ) if "ami" in fields else None
    if ami_fields is not None:
        host = reader.get(ami_fields, "asterisk.ami", "host", values.hostname)
        port = (
            reader.integer(ami_fields["port"], "asterisk.ami.port", minimum=1, maximum=65535)
            if "port" in ami_fields else 5038
        )
        username = reader.get(ami_fields, "asterisk.ami", "username", values.identifier)
        secret = read_secret(
            reader, ami_fields, "asterisk.ami", "secret", "ASTREINTE_AMI_SECRET", base, environ
        )
        if host and port and username and secret:
            ami = AmiSettings(host, port, username, secret)
    outbound = reader.get(fields, "asterisk", "outbound", values.dial_template)
    prompts = PromptSettings(Path(DEFAULT_PROMPTS), DEFAULT_PROMPTS)
    if "prompts" in fields:
        prompt_fields = reader.mapping(
            fields["prompts"], "asterisk.prompts", optional=("dir", "asterisk_dir")
        )
        if prompt_fields is not None:
            folder = reader.get(prompt_fields, "asterisk.prompts", "dir", str) or DEFAULT_PROMPTS
            seen = reader.get(prompt_fields, "asterisk.prompts", "asterisk_dir", values.asterisk_path)
            prompts = PromptSettings(base / folder, seen or DEFAULT_PROMPTS)
    recordings = Path(DEFAULT_RECORDINGS)
    if "recordings" in fields:
        recordings_folder = reader.parse(fields["recordings"], "asterisk.recordings", str)
        recordings = base / recordings_folder if recordings_folder else recordings
    if ari is None or ami is None or outbound is None:
        return None
    return AsteriskSettings(ari, ami, outbound, prompts, recordings)

