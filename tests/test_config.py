"""Configuration: defaults, the shipped example, the environment and flags, in that order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chinwag.config import (
    ClusterSettings,
    Config,
    ConfigError,
    Listener,
    Operator,
    StorageSettings,
    cluster_problems,
    default_data_dir,
    example_config_text,
    load_config,
    node_name,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chinwag.toml"
    path.write_text(text, encoding="utf-8")
    return path


ANA = {"HOME": "/home/ana"}
"""A Linux environment with nothing set but the home directory."""

ANA_DATA = Path("/home/ana/.local/share/chinwag")


def test_defaults_listen_on_every_interface_with_every_kind() -> None:
    config = load_config(env=ANA, platform="linux")
    assert config == Config(storage=StorageSettings("sqlite", ANA_DATA, ANA_DATA / "chinwag.db"))
    assert config.listeners == (
        Listener("0.0.0.0", 6667, "tcp"),
        Listener("0.0.0.0", 6697, "tls"),
        Listener("0.0.0.0", 8097, "http"),
        Listener("0.0.0.0", 8443, "https"),
    )
    assert [listener.tls for listener in config.listeners] == [False, True, False, True]
    assert [listener.web for listener in config.listeners] == [False, False, True, True]
    assert config.server.password is None
    assert config.limits.nicklen == 30


def test_the_shipped_example_loads_and_matches_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, example_config_text()), env=ANA, platform="linux")
    assert config == load_config(env=ANA, platform="linux")


def test_file_values_are_used(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [server]
        name = "chat.example.org"
        network = "Example"
        motd = ["line one", "line two"]
        password = "sesame"
        [limits]
        sendq = 4096
        ping_timeout = 30
        [[listeners]]
        host = "127.0.0.1"
        port = 7000
        [[operators]]
        name = "admin"
        password = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$Mg3ldG2+9+yvO6DzhkFJmw"
        """,
    )
    config = load_config(path)
    assert config.server.name == "chat.example.org"
    assert config.server.motd == ("line one", "line two")
    assert config.server.password == "sesame"
    assert config.limits.sendq == 4096
    assert config.limits.ping_timeout == 30.0
    assert config.listeners == (Listener("127.0.0.1", 7000),)
    assert config.operators == (
        Operator("admin", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$Mg3ldG2+9+yvO6DzhkFJmw", "*"),
    )


def test_environment_beats_file_and_flags_beat_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nname = "from.file"\n[[listeners]]\nport = 7000\n')
    env = {"CHINWAG_SERVER_NAME": "from.env", "CHINWAG_PORT": "7001", "CHINWAG_LIMITS_SENDQ": "99"}
    from_env = load_config(path, env)
    assert from_env.server.name == "from.env"
    assert from_env.listeners[0].port == 7001
    assert from_env.limits.sendq == 99
    from_flags = load_config(path, env, host="127.0.0.1", port=7002)
    assert from_flags.listeners == (Listener("127.0.0.1", 7002),)


def test_port_flags_name_exactly_the_listeners_to_open() -> None:
    config = load_config(env=ANA, port=7000, tls_port=7001, https_port=0)
    assert config.listeners == (
        Listener("0.0.0.0", 7000, "tcp"),
        Listener("0.0.0.0", 7001, "tls"),
        Listener("0.0.0.0", 0, "https"),
    )
    from_env = load_config(env={**ANA, "CHINWAG_HTTP_PORT": "9000", "CHINWAG_HOST": "::1"})
    assert from_env.listeners == (Listener("::1", 9000, "http"),)


def test_a_host_alone_moves_every_listener(tmp_path: Path) -> None:
    path = write(tmp_path, '[[listeners]]\nkind = "tls"\n[[listeners]]\nkind = "http"\n')
    config = load_config(path, ANA, host="127.0.0.1")
    assert config.listeners == (
        Listener("127.0.0.1", 6697, "tls"),
        Listener("127.0.0.1", 8097, "http"),
    )


def test_tls_http_and_log_sections_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [tls]
        cert = "/etc/letsencrypt/live/x/fullchain.pem"
        key = "/etc/letsencrypt/live/x/privkey.pem"
        sts_duration = 86400
        [http]
        allowed_origins = ["https://chat.example.org"]
        metrics = "open"
        [log]
        file = "/var/log/chinwag.log"
        level = "debug"
        """,
    )
    config = load_config(path, {**ANA, "CHINWAG_HTTP_METRICS_TOKEN": "s3cret"})
    assert config.tls.cert.endswith("fullchain.pem")
    assert config.tls.sts_duration == 86400
    assert config.http.allowed_origins == ("https://chat.example.org",)
    assert (config.http.metrics, config.http.metrics_token) == ("open", "s3cret")
    assert (config.log.file, config.log.level) == ("/var/log/chinwag.log", "debug")


WINDOWS_HOME = Path(r"C:\Users\ana")


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"HOME": "/home/ana"}, Path("/home/ana/.local/share/chinwag")),
        ("linux", {"HOME": "/home/ana", "XDG_DATA_HOME": "/data"}, Path("/data/chinwag")),
        ("linux", {"HOME": "/home/ana", "XDG_DATA_HOME": "data"}, ANA_DATA),
        ("darwin", {"HOME": "/Users/ana"}, Path("/Users/ana/.local/share/chinwag")),
        (
            "win32",
            {"LOCALAPPDATA": str(WINDOWS_HOME / "Local"), "USERPROFILE": str(WINDOWS_HOME)},
            WINDOWS_HOME / "Local" / "chinwag",
        ),
        ("win32", {"USERPROFILE": str(WINDOWS_HOME)}, WINDOWS_HOME / "AppData/Local/chinwag"),
    ],
    ids=["linux", "xdg", "relative-xdg-ignored", "macos", "windows", "windows-no-localappdata"],
)
def test_the_default_data_directory_is_the_per_user_one(
    platform: str, env: dict[str, str], expected: Path
) -> None:
    assert default_data_dir(env, platform) == expected
    storage = load_config(env=env, platform=platform).storage
    assert storage == StorageSettings("sqlite", expected, expected / "chinwag.db")


def test_storage_comes_from_the_file_and_the_environment_beats_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\ndata_dir = "/srv/chinwag"\n')
    from_file = load_config(path, ANA, platform="linux").storage
    assert from_file == StorageSettings(
        "sqlite", Path("/srv/chinwag"), Path("/srv/chinwag/chinwag.db")
    )
    env = {**ANA, "CHINWAG_STORAGE_PATH": "/tmp/x/chat.db", "CHINWAG_STORAGE_BACKEND": "memory"}
    from_env = load_config(path, env, platform="linux").storage
    assert from_env == StorageSettings("memory", Path("/srv/chinwag"), Path("/tmp/x/chat.db"))


def test_the_postgresql_backend_takes_its_dsn_from_the_file_or_the_environment(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[storage]\nbackend = "postgresql"\ndsn = "postgresql://db/chat"\n')
    assert load_config(path, ANA, platform="linux").storage.dsn == "postgresql://db/chat"
    env = {
        **ANA,
        "CHINWAG_STORAGE_BACKEND": "postgresql",
        "CHINWAG_STORAGE_DSN": "postgresql://chinwag@db.example/chinwag",
    }
    storage = load_config(env=env, platform="linux").storage
    assert (storage.backend, storage.dsn) == (
        "postgresql",
        "postgresql://chinwag@db.example/chinwag",
    )


def test_a_tilde_in_a_storage_path_is_the_home_directory_from_the_environment() -> None:
    env = {**ANA, "CHINWAG_STORAGE_DATA_DIR": "~/chat", "CHINWAG_STORAGE_PATH": "~/db/c.db"}
    storage = load_config(env=env, platform="linux").storage
    assert storage.data_dir == Path("/home/ana/chat")
    assert storage.path == Path("/home/ana/db/c.db")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[storage]\nbackend = 'postgres'\n",
            '[storage] backend: expected "sqlite" or "memory" or "postgresql"',
        ),
        ("[storage]\nbackend = 'postgresql'\n", '[storage] dsn: backend "postgresql" needs'),
        ("[storage]\ndsn = 'mysql://db/x'\n", '[storage] dsn: expected a "postgresql://..." URL'),
        ("[storage]\npath = 3\n", "[storage] path: expected text"),
        ("[storage]\ndatadir = '/x'\n", "[storage]: unknown key(s) datadir"),
        ("[server]\nnmae = 'x'\n", "unknown key(s) nmae"),
        ("[limits]\nsendq = 'lots'\n", "[limits] sendq: expected a number"),
        ("[limits]\nsendq = -1\n", "must not be negative"),
        ("[[listeners]]\nport = 70000\n", "port must be between 0 and 65535"),
        ("[[operators]]\nname = 'admin'\n", "needs password"),
        ("[[operators]]\nname = 'admin'\npassword = 'pw'\n", "run `chinwag hash-password`"),
        ("[server]\nname = 'two words'\n", "must be one word"),
        ("[server]\nnetwork = '" + "n" * 64 + "'\n", "at most 63 characters"),
        ("[accounts]\nalways_on = 'sometimes'\n", "always_on: must be one of 'opt-out'"),
        ("[accounts]\nalways_on_away = ' '\n", "always_on_away: must not be empty"),
        ("[limits]\nflood_rate = 0\n", "flood_burst must be at least 1"),
        ("[limits]\nflood_exempt_cidrs = ['10.0.0.0/33']\n", "flood_exempt_cidrs: not an"),
        ("[sever]\n", "unknown section(s): sever"),
        ("[connections]\nexempt = ['lan']\n", "[connections] exempt: not an address or range"),
        ("[connections]\nipv6_prefix = 8\n", "ipv6_prefix 16 to 128"),
        ("[connections]\nmax_per_adress = 3\n", "[connections]: unknown key(s)"),
        ("[server\n", "not valid TOML"),
        ("[cluster]\nredis = 'http://r:6379'\n", "[cluster] redis: expected redis://host:port"),
        ("[cluster]\nredis = 'r:6379'\n", "got r://"),
        ("[cluster]\nredis = 'localhost'\n", "got no scheme"),
        ("[cluster]\nredis = 'redis://r:port'\n", "the port is not a number"),
        ("[cluster]\nredis = 'redis:///0'\n", "the host is missing"),
        ("[cluster]\nredis = 'redis://r:6379/zero'\n", "the database after the host"),
        ("[cluster]\nnetwork = 'two words'\n", "[cluster] network: must be one word"),
        ("[cluster]\nnetwork = ''\n", "[cluster] network: must be one word"),
        ("[cluster]\nnode = 'a:b'\n", "[cluster] node: must be empty or one word"),
        ("[cluster]\nlease = 0.5\n", "[cluster] lease: must be 1 to 60 seconds, got 0.5"),
        ("[cluster]\nlease = 61\n", "[cluster] lease: must be 1 to 60 seconds, got 61"),
        ("[cluster]\nlease = 'long'\n", "[cluster] lease: expected a number"),
        ("[cluster]\nredis_url = ''\n", "[cluster]: unknown key(s) redis_url"),
    ],
)
def test_mistakes_get_a_readable_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_a_bad_port_in_the_environment_is_reported() -> None:
    with pytest.raises(ConfigError, match="expected a number"):
        load_config(env={"CHINWAG_PORT": "six"})


def test_always_on_is_opt_out_by_default_and_each_mode_loads(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).accounts.always_on == "opt-out"
    for mode in ("opt-out", "opt-in", "disabled", "mandatory"):
        text = f"[accounts]\nalways_on = '{mode}'\nalways_on_away = 'Out'\n"
        accounts = load_config(write(tmp_path, text)).accounts
        assert (accounts.always_on, accounts.always_on_away) == (mode, "Out")


def test_connection_limits_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    defaults = load_config(write(tmp_path, "")).connections
    assert (defaults.max_per_address, defaults.ipv4_prefix, defaults.ipv6_prefix) == (16, 32, 64)
    assert defaults.exempt == ("127.0.0.0/8", "::1/128")
    text = (
        "[connections]\nmax_per_address = 4\nthrottle_connections = 10\n"
        "throttle_window = 60\nexempt = ['192.168.0.0/16']\n"
    )
    connections = load_config(
        write(tmp_path, text), env={"CHINWAG_CONNECTIONS_MAX_PER_ADDRESS": "0"}
    ).connections
    assert connections.max_per_address == 0  # the environment wins, and 0 is no limit
    assert (connections.throttle_connections, connections.throttle_window) == (10, 60.0)
    assert connections.exempt == ("192.168.0.0/16",)


def test_without_a_cluster_section_the_server_is_one_node_on_its_own(tmp_path: Path) -> None:
    cluster = load_config(write(tmp_path, ""), env=ANA).cluster
    assert cluster == ClusterSettings(redis="", network="chinwag", node="", lease=10.0)
    assert not cluster.enabled


def test_the_cluster_section_comes_from_the_file_and_the_environment_beats_it(
    tmp_path: Path,
) -> None:
    text = (
        "[cluster]\nredis = 'rediss://:pw@redis.example.org:6380/2'\nnetwork = 'friends'\n"
        "node = 'web-1'\nlease = 30\n"
    )
    path = write(tmp_path, text)
    cluster = load_config(path, env=ANA).cluster
    assert cluster == ClusterSettings(
        "rediss://:pw@redis.example.org:6380/2", "friends", "web-1", 30.0
    )
    assert cluster.enabled
    env = {
        **ANA,
        "CHINWAG_CLUSTER_REDIS": "redis://127.0.0.1",
        "CHINWAG_CLUSTER_NETWORK": "other",
        "CHINWAG_CLUSTER_NODE": "web-2",
        "CHINWAG_CLUSTER_LEASE": "5",
    }
    assert load_config(path, env=env).cluster == ClusterSettings(
        "redis://127.0.0.1", "other", "web-2", 5.0
    )


def test_a_bad_redis_url_is_reported_without_repeating_its_password(tmp_path: Path) -> None:
    path = write(tmp_path, "[cluster]\nredis = 'http://:hunter2@r:6379/0'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "[cluster] redis" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_node_without_a_name_is_called_after_its_host_and_process() -> None:
    assert node_name(ClusterSettings(), hostname="box", pid=42) == "box-42"
    assert node_name(ClusterSettings(node="web-1"), hostname="box", pid=42) == "web-1"
    assert node_name(ClusterSettings()).endswith(f"-{os.getpid()}")


def test_a_cluster_needs_the_postgresql_store() -> None:
    redis = ClusterSettings(redis="redis://127.0.0.1:6379")
    for backend in ("sqlite", "memory"):
        problems = cluster_problems(Config(storage=StorageSettings(backend), cluster=redis))
        assert problems == [
            f'a cluster needs [storage] backend = "postgresql" (it is "{backend}"): every node '
            "must see the same accounts and history"
        ]
    assert cluster_problems(Config(storage=StorageSettings("postgresql"), cluster=redis)) == []
    assert cluster_problems(Config(storage=StorageSettings("sqlite"))) == []
