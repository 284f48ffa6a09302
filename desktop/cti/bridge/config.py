"""`calldesk cti bridge` command line and TOML file -> a BridgeServer ready to run.

Secrets (the PBX password) come from environment variables or files, never the command line. The
config lists no desktops: they connect in and are identified by the central API.
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calldesk_domain.loopback import is_loopback
from calldesk_domain.phone import check_region
from desktop.cti.bridge.adapters import AmiAdapter, EslAdapter, PbxAdapter
from desktop.cti.bridge.identity import CentralIdentities
from desktop.cti.bridge.server import BridgeLimits, BridgeServer

log = logging.getLogger("desktop.cti.bridge")

DEFAULT_LISTEN_PORT = 5013


class BridgeConfigError(ValueError):
    """The bridge configuration is incomplete or wrong; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class ListenSpec:
    host: str
    port: int
    ssl_context: ssl.SSLContext | None


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        return text.strip(), default_port
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        number = int(port)
    except ValueError:
        raise BridgeConfigError(f"bad port in {text!r}: expected HOST:PORT") from None
    if not host or not 0 <= number < 65536:
        raise BridgeConfigError(f"bad address {text!r}: expected HOST:PORT")
    return host, number


def read_secret(env: str | None, file: str | None, what: str) -> str:
    """A secret from an environment variable or a file (first line); never from the command line."""
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise BridgeConfigError(f"{what}: environment variable {env} is not set or empty")
        return value
    if file:
        try:
            value = Path(file).expanduser().read_text(encoding="utf-8").strip().splitlines()[0].strip()
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise BridgeConfigError(f"{what}: cannot read a secret from {file}: {exc}") from None
        if not value:
            raise BridgeConfigError(f"{what}: {file} is empty")
        return value
    raise BridgeConfigError(f"{what}: give an environment variable or a file with the secret")


def load_config_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BridgeConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BridgeConfigError(f"{path} is not valid TOML: {exc}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    server = parser.add_argument_group("desktops connect here")
    server.add_argument(
        "--listen", metavar="HOST:PORT", help=f"address to listen on (port {DEFAULT_LISTEN_PORT})"
    )
    server.add_argument("--cert", metavar="FILE", help="TLS certificate chain (PEM)")
    server.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    server.add_argument(
        "--insecure-plaintext",
        action="store_true",
        help="allow plain TCP on a non-loopback address (logs a warning)",
    )
    server.add_argument("--central", metavar="URL", help="central API base URL (checks the desktops' tokens)")
    server.add_argument(
        "--central-ca", metavar="FILE", help="CA bundle for the central API's TLS certificate"
    )
    pbx = parser.add_argument_group("PBX (one of)")
    pbx.add_argument("--esl", metavar="HOST:PORT", help="FreeSWITCH event socket (port 8021 by default)")
    pbx.add_argument(
        "--esl-password-env", metavar="VAR", help="environment variable holding the ESL password"
    )
    pbx.add_argument("--esl-password-file", metavar="FILE", help="file holding the ESL password")
    pbx.add_argument("--ami", metavar="HOST:PORT", help="Asterisk manager interface (port 5038 by default)")
    pbx.add_argument("--ami-user", metavar="USER", help="AMI user (manager.conf)")
    pbx.add_argument("--ami-secret-env", metavar="VAR", help="environment variable holding the AMI secret")
    pbx.add_argument("--ami-secret-file", metavar="FILE", help="file holding the AMI secret")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file: [bridge] and [pbx] tables")


def listen_spec(args: argparse.Namespace, conf: dict[str, Any]) -> ListenSpec:
    listen = args.listen or conf.get("listen")
    if not listen:
        raise BridgeConfigError("give --listen HOST:PORT (where desktops connect)")
    host, port = parse_host_port(str(listen), DEFAULT_LISTEN_PORT)
    cert, key = args.cert or conf.get("cert"), args.key or conf.get("key")
    insecure = bool(args.insecure_plaintext or conf.get("insecure_plaintext"))
    if bool(cert) != bool(key):
        raise BridgeConfigError("TLS needs both --cert and --key")
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as exc:
            raise BridgeConfigError(f"cannot load the TLS certificate/key ({cert}, {key}): {exc}") from None
        return ListenSpec(host, port, context)
    if not is_loopback(host) and not insecure:
        raise BridgeConfigError(
            f"{host} is not a loopback address: give --cert and --key for TLS "
            "(or --insecure-plaintext to send agents' tokens and callers' numbers unencrypted)"
        )
    if not is_loopback(host):
        log.warning(
            "bridge: listening on %s:%d WITHOUT TLS (--insecure-plaintext): tokens travel in clear",
            host,
            port,
        )
    return ListenSpec(host, port, None)


def build_pbx(args: argparse.Namespace, conf: dict[str, Any]) -> PbxAdapter:
    esl = args.esl or (conf.get("esl") if conf.get("kind", "esl") == "esl" else None)
    ami = args.ami or (conf.get("ami") if conf.get("kind") == "ami" else None)
    if bool(esl) == bool(ami):
        raise BridgeConfigError("give exactly one PBX: --esl HOST:PORT or --ami HOST:PORT")
    try:  # caller ids without a country code: numbers of this region (as the desktops' phone_region)
        region = check_region(conf.get("phone_region", "CN"))
    except ValueError as exc:
        raise BridgeConfigError(f"phone_region: {exc}") from None
    if esl:
        from desktop.cti.esl_client import EslClient, EslConfig

        host, port = parse_host_port(str(esl), 8021)
        password = read_secret(
            args.esl_password_env or conf.get("password_env"),
            args.esl_password_file or conf.get("password_file"),
            "ESL password",
        )
        return EslAdapter(EslClient(EslConfig(host, port, password, region=region)))
    from desktop.cti.ami import AmiClient, AmiConfig

    host, port = parse_host_port(str(ami), 5038)
    user = args.ami_user or conf.get("user")
    if not user:
        raise BridgeConfigError("--ami needs --ami-user")
    secret = read_secret(
        args.ami_secret_env or conf.get("secret_env"),
        args.ami_secret_file or conf.get("secret_file"),
        "AMI secret",
    )
    return AmiAdapter(AmiClient(AmiConfig(host, port, str(user), secret, region=region)))


def build_server(args: argparse.Namespace) -> tuple[BridgeServer, ListenSpec]:
    """The bridge the command line (and config file) describes; raises BridgeConfigError."""
    config = load_config_file(args.config) if args.config else {}
    bridge_conf = config.get("bridge", {})
    pbx_conf = config.get("pbx", {})
    if not isinstance(bridge_conf, dict) or not isinstance(pbx_conf, dict):
        raise BridgeConfigError("[bridge] and [pbx] must be tables")
    if config.get("desktop") or config.get("supervisor"):
        raise BridgeConfigError(
            "[[desktop]]/[[supervisor]] entries are gone: desktops now connect to the bridge "
            "(docs/cti-bridge.md); remove them and set [bridge] listen and central"
        )
    spec = listen_spec(args, bridge_conf)
    central = args.central or bridge_conf.get("central")
    if not central or not str(central).startswith(("http://", "https://")):
        raise BridgeConfigError("give --central URL (http[s]://host:port of the central API)")
    ca = args.central_ca or bridge_conf.get("central_ca")
    identities = CentralIdentities(str(central), verify=str(ca) if ca else True)
    return BridgeServer(build_pbx(args, pbx_conf), identities, limits=BridgeLimits()), spec
