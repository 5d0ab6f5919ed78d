"""Unit tests for the pure checks of `devloop doctor`: facts in, findings out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from devloop.checks.engine import (
    EngineKind,
    compose_finding,
    engine_finding,
    engine_kind,
    share_hint,
    sharing_finding,
    unreachable_finding,
)
from devloop.checks.filesystems import filesystem_finding, filesystem_of, parse_mountinfo
from devloop.checks.finding import Finding, ordered
from devloop.checks.images import command_finding
from devloop.checks.mounts import (
    Listing,
    MountCheck,
    MountStatus,
    by_service,
    classify_file,
    classify_mount,
    mount_finding,
)
from devloop.checks.writes import (
    LostWrite,
    env_path_findings,
    env_paths,
    is_noise,
    lost_write_findings,
    lost_writes,
)

# --- the engine ---

LINUX = {
    "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
    "Name": "vm",
    "ServerVersion": "20.10.24",
    "SecurityOptions": ["name=seccomp,profile=default"],
}


@pytest.mark.parametrize(
    ("info", "host", "platform", "name", "vm", "remote", "rootless"),
    [
        (LINUX, None, "linux", "Docker Engine", False, False, False),
        (
            {"OperatingSystem": "Docker Desktop", "Name": "docker-desktop"},
            None,
            "darwin",
            "Docker Desktop",
            True,
            False,
            False,
        ),
        (
            {"OperatingSystem": "Ubuntu 24.04 LTS", "Name": "colima"},
            "unix:///Users/me/.colima/default/docker.sock",
            "darwin",
            "Colima",
            True,
            False,
            False,
        ),
        (
            {"OperatingSystem": "Ubuntu", "Name": "lima-default"},
            "unix:///Users/me/.lima/default/sock/docker.sock",
            "darwin",
            "Lima",
            True,
            False,
            False,
        ),
        ({"OperatingSystem": "OrbStack", "Name": "orbstack"}, None, "darwin", "OrbStack", True, False, False),
        (
            {**LINUX, "SecurityOptions": ["name=seccomp", "name=rootless", "name=cgroupns"]},
            "unix:///run/user/1000/docker.sock",
            "linux",
            "Docker Engine",
            False,
            False,
            True,
        ),
        (LINUX, "ssh://me@build-box", "linux", "Docker Engine", False, True, False),
        (LINUX, "tcp://10.0.0.5:2376", "darwin", "Docker Engine", False, True, False),
        (LINUX, "tcp://127.0.0.1:2375", "linux", "Docker Engine", False, False, False),
        (LINUX, "unix:///tmp/d2/docker.sock", "linux", "Docker Engine", False, False, False),
    ],
)
def test_engine_kind(
    info: dict[str, object],
    host: str | None,
    platform: str,
    name: str,
    vm: bool,
    remote: bool,
    rootless: bool,
) -> None:
    kind = engine_kind(info, host or "unix:///var/run/docker.sock", platform)
    assert (kind.name, kind.vm, kind.remote, kind.rootless) == (name, vm, remote, rootless)
    assert kind.endpoint == (host or "unix:///var/run/docker.sock")


def test_engine_finding_names_where_devloop_talks_to() -> None:
    local = engine_finding(engine_kind(LINUX, "unix:///var/run/docker.sock", "linux"), LINUX)
    assert local.level == "info" and "Docker Engine 20.10.24" in local.message
    where = "context 'box' (ssh://me@box), from DOCKER_CONTEXT"
    remote = engine_finding(engine_kind(LINUX, "ssh://me@box", "linux"), LINUX, where)
    assert remote.level == "info" and where in remote.message and "remote" in remote.message


def test_sharing_finding_says_whether_the_engine_sees_the_folders() -> None:
    local = engine_kind(LINUX, "unix:///var/run/docker.sock", "linux")
    remote = engine_kind(LINUX, "ssh://me@box", "linux")
    seen = sharing_finding(local, checked=2, unseen=0)
    assert seen.level == "info" and "sees the project's folders (2 bind mount" in seen.message
    empty = sharing_finding(local, checked=2, unseen=1)
    assert empty.level == "warning" and "does not see" in empty.message and "sync" in empty.hint
    unknown = sharing_finding(local, checked=0, unseen=0)
    assert unknown.level == "info" and "not known" in unknown.message
    far = sharing_finding(remote, checked=0, unseen=0)
    assert far.level == "warning" and "another machine" in far.message and "sync" in far.hint


def test_share_hints_fit_the_engine() -> None:
    assert "colima start --mount" in share_hint(EngineKind("Colima", "unix:///x", vm=True))
    assert "File sharing" in share_hint(EngineKind("Docker Desktop", "unix:///x", vm=True))
    assert "another machine" in share_hint(EngineKind("Docker Engine", "tcp://10.0.0.5:2376", remote=True))
    assert 'strategy = "rebuild"' in share_hint(None)


def test_unreachable_engine_says_where_devloop_looked() -> None:
    where = "context 'colima' (unix:///Users/me/.colima/default/docker.sock), from DOCKER_CONTEXT"
    found = unreachable_finding("the Docker Engine does not answer", None, where)
    assert found.level == "error" and where in found.message and "start Docker" in found.hint
    assert "DOCKER_HOST" not in found.hint
    assert unreachable_finding("no answer", "start Docker", where).hint == "start Docker"


@pytest.mark.parametrize(
    ("version", "level"),
    [
        (None, "error"),
        ("", "error"),
        ("1.29.2", "error"),
        ("v2.17.0", "warning"),
        ("2.40.3", "info"),
        ("v2.22.0-desktop.1", "info"),
    ],
)
def test_compose_version(version: str | None, level: str) -> None:
    assert compose_finding(version).level == level


# --- filesystems ---

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
60 27 8:17 / /media/me/USB\040DRIVE rw,nosuid shared:40 - exfat /dev/sdb1 rw,uid=1000
61 27 8:33 / /mnt/win rw - fuseblk /dev/sdc1 rw,user_id=0
62 27 0:50 / /srv/share rw - nfs4 server:/export rw,vers=4.2
63 27 0:51 / /home/me/remote rw - fuse.sshfs me@box:/code rw
64 27 0:52 / /mnt/mac rw - virtiofs mount0 rw
65 27 0:53 / /mnt/old rw - vfat /dev/sdd1 rw
66 65 0:54 / /mnt/old/inner rw - ext4 /dev/sde1 rw
"""


def test_parse_mountinfo_unescapes_mount_points() -> None:
    entries = parse_mountinfo(MOUNTINFO)
    assert entries[2].mount_point == "/media/me/USB DRIVE"
    assert (entries[2].fstype, entries[2].source) == ("exfat", "/dev/sdb1")
    assert parse_mountinfo("garbage\n\n") == ()


@pytest.mark.parametrize(
    ("path", "fstype"),
    [
        ("/home/me/project/app", "ext4"),
        ("/media/me/USB DRIVE/project/app", "exfat"),
        ("/media/me/USB DRIVEX/app", "ext4"),  # a prefix of the name is not the mount point
        ("/mnt/win/code", "fuseblk"),
        ("/srv/share", "nfs4"),
        ("/home/me/remote/x", "fuse.sshfs"),
        ("/mnt/mac/proj", "virtiofs"),
        ("/mnt/old/inner/code", "ext4"),  # the longest mount point wins
        ("/mnt/old/other", "vfat"),
    ],
)
def test_filesystem_of_uses_the_longest_mount_point(path: str, fstype: str) -> None:
    entry = filesystem_of(path, MOUNTINFO)
    assert entry is not None and entry.fstype == fstype


def test_a_later_mount_over_the_same_point_wins() -> None:
    table = (
        "1 0 0:1 / / rw - ext4 /dev/a rw\n2 1 0:2 / /x rw - ext4 /dev/b rw\n3 2 0:3 / /x rw - tmpfs t rw\n"
    )
    entry = filesystem_of("/x/app", table)
    assert entry is not None and entry.fstype == "tmpfs"


@pytest.mark.parametrize(
    ("fstype", "expected"),
    [
        ("exfat", "ExFAT/FAT"),
        ("vfat", "ExFAT/FAT"),
        ("msdos", "ExFAT/FAT"),
        ("fuseblk", "NTFS"),
        ("ntfs3", "NTFS"),
        ("nfs4", "network"),
        ("cifs", "network"),
        ("9p", "network"),
        ("virtiofs", "network"),
        ("smbfs", "network"),
        ("fuse.sshfs", "network"),
        ("fuse.mergerfs", "FUSE"),
        ("ext4", None),
        ("apfs", None),
        ("btrfs", None),
        ("tmpfs", None),
        ("overlay", None),
    ],
)
def test_filesystem_advice(fstype: str, expected: str | None) -> None:
    finding = filesystem_finding(["api"], "./app", fstype)
    if expected is None:
        assert finding is None
        return
    assert finding is not None and finding.level == "warning" and expected in finding.message
    assert finding.service == "api" and finding.hint


def test_filesystem_advice_names_every_service_that_uses_the_path() -> None:
    finding = filesystem_finding(["api", "worker"], "./app", "exfat")
    assert finding is not None and finding.service is None and "api, worker" in finding.message


# --- data written where it will be lost ---


def test_lost_writes_reports_the_topmost_new_folder_outside_mounts() -> None:
    diff = [
        ("/tmp", 0),
        ("/tmp/y", 1),
        ("/app", 1),
        ("/app/.temp", 1),
        ("/app/.temp/x", 1),
        ("/app/temp", 1),
        ("/app/temp/inside", 1),
        ("/root", 1),
        ("/root/.cache", 1),
        ("/root/.cache/pip", 1),
        ("/root/.cache/pip/q", 1),
    ]
    assert lost_writes(diff, ["/app/temp"]) == [LostWrite("/app/.temp", 1, True)]


def test_lost_writes_keeps_files_changed_in_image_folders_and_drops_explained_folders() -> None:
    diff = [
        ("/data", 0),
        ("/data/db.sqlite", 1),
        ("/etc", 0),
        ("/etc/app.conf", 0),
        ("/srv", 0),
        ("/srv/uploads", 1),
        ("/srv/uploads/2024", 1),
        ("/srv/uploads/2024/a.png", 1),
        ("/srv/uploads/2024/b.png", 1),
        ("/var", 0),
        ("/var/lib", 0),
        ("/var/lib/gone", 2),
    ]
    assert lost_writes(diff, []) == [
        LostWrite("/data/db.sqlite", 1, True),
        LostWrite("/etc/app.conf", 1, False),
        LostWrite("/srv/uploads", 2, True),
    ]


def test_lost_writes_ignores_noise_and_everything_under_mounts() -> None:
    diff = [
        ("/code", 0),
        ("/code/app", 0),
        ("/code/app/__pycache__", 1),
        ("/code/app/__pycache__/m.pyc", 1),
        ("/code/celerybeat.pid", 1),
        ("/var/log/app.log", 1),
        ("/run/x.sock", 1),
        ("/root/.ash_history", 1),
        ("/var/lib/postgresql/data/base", 1),
        ("/home/app/.cache/x", 1),
        ("/dev/shm/x", 1),
    ]
    assert lost_writes(diff, ["/var/lib/postgresql/data", "/code/app"]) == []
    assert is_noise("/code/app/__pycache__/m.cpython-311.pyc") and not is_noise("/code/app/main.py")


def test_lost_write_findings_name_the_path_and_are_capped() -> None:
    writes = [LostWrite(f"/w{i}", 1, True) for i in range(7)]
    findings = lost_write_findings("api", writes, limit=5)
    assert [f.level for f in findings] == ["warning"] * 5 + ["info"]
    assert "/w0" in findings[0].message and "2 more" in findings[-1].message


def test_env_paths_finds_dirs_files_temp_and_sqlite() -> None:
    env = {
        "TEMP_DIR": "/app/.temp",
        "UPLOAD_FOLDER": "/srv/uploads",
        "TMPDIR": "/tmp",
        "LOG_FILE": "logs/app.log",
        "DATABASE_URL": "sqlite:////data/app.db",
        "CACHE_URL": "sqlite:///./cache.db?timeout=5",
        "MEM_URL": "sqlite:///:memory:",
        "PG_URL": "postgresql://u@db/x",
        "PATH": "/usr/bin:/bin",
        "JAVA_HOME": "/usr/lib/jvm/x",
        "SECRET_FILE": "/run/secrets/key",
        "MEDIA_ROOT": "/app/media",
        "PIP_CACHE_DIR": "/root/.cache/pip",
        "NAME": "/not/a/path/name",
    }
    assert sorted(env_paths(env, "/app")) == [
        ("CACHE_URL", "/app/cache.db"),
        ("DATABASE_URL", "/data/app.db"),
        ("LOG_FILE", "/app/logs/app.log"),
        ("MEDIA_ROOT", "/app/media"),
        ("TEMP_DIR", "/app/.temp"),
        ("UPLOAD_FOLDER", "/srv/uploads"),
    ]
    assert ("LOG_FILE", "/app/logs/app.log") not in env_paths(env, None)  # relative, no working dir known


def test_env_path_findings_skip_covered_paths() -> None:
    env = {"TEMP_DIR": "/app/.temp", "DATA_DIR": "/app/temp/data", "DATABASE_URL": "sqlite:////data/app.db"}
    findings = env_path_findings("api", env, ["/app/temp", "/data"])
    assert [(f.level, f.check) for f in findings] == [("warning", "env-path")]
    assert "TEMP_DIR" in findings[0].message and "/app/.temp" in findings[0].message
    # a volume below the path does not cover it
    assert len(env_path_findings("api", {"TEMP_DIR": "/app"}, ["/app/temp"])) == 1


# --- images and commands ---


def test_command_override_by_a_reloader_is_info_and_names_both_commands() -> None:
    gunicorn = ("gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app")
    finding = command_finding("api", ("uvicorn", "app.main:app", "--reload"), gunicorn, "image x", True)
    assert finding is not None and finding.level == "info" and finding.check == "command-override"
    assert "uvicorn app.main:app --reload" in finding.message and "gunicorn" in finding.message
    assert command_finding("worker", ("celery", "-A", "app", "worker"), gunicorn, "image x", False) is None
    assert command_finding("api", None, ("gunicorn",), "image x", True) is None
    assert command_finding("api", ("gunicorn", "--reload"), ("gunicorn", "--reload"), "image x", True) is None
    assert command_finding("api", ("uvicorn", "--reload"), None, "image x", True) is None


def test_ordered_puts_errors_first_and_drops_duplicates() -> None:
    info = Finding("info", None, "engine", "x")
    warning = Finding("warning", "b", "env-path", "y")
    error = Finding("error", "a", "mount", "z")
    assert ordered([info, warning, error, warning]) == [error, warning, info]
    assert error.to_json() == {"level": "error", "service": "a", "check": "mount", "message": "z", "hint": ""}


# --- mount verdicts ---


def listing(*names: str, sizes: dict[str, int] | None = None, complete: bool = True) -> Listing:
    return Listing(tuple((n, (sizes or {}).get(n)) for n in sorted(names)), complete)


def test_probe_seen_means_the_mount_works() -> None:
    assert classify_mount(listing("a"), None, True)[0] is MountStatus.OK


def test_empty_in_the_container_while_the_host_has_files() -> None:
    status, detail = classify_mount(listing("main.py", "util.py"), listing(), False)
    assert status is MountStatus.EMPTY and "main.py, util.py" in detail and "did not appear" in detail
    assert classify_mount(listing("main.py"), listing(), None)[0] is MountStatus.EMPTY
    assert classify_mount(listing(), listing(), False)[0] is MountStatus.EMPTY
    assert classify_mount(listing(), listing(), None)[0] is MountStatus.OK


def test_another_folder_with_the_probe_missing_is_stale() -> None:
    status, detail = classify_mount(listing("new.txt"), listing("a.txt", "b.txt"), False)
    assert status is MountStatus.STALE
    assert "only in the container: a.txt, b.txt" in detail and "only on the host: new.txt" in detail


def test_without_a_probe_listings_decide() -> None:
    same = classify_mount(listing("a", sizes={"a": 3}), listing("a", sizes={"a": 3}), None)
    assert same[0] is MountStatus.OK
    resized = classify_mount(listing("a", sizes={"a": 3}), listing("a", sizes={"a": 4}), None)
    assert resized[0] is MountStatus.DIFFERENT and "sizes differ: a" in resized[1]
    assert classify_mount(None, listing(), None)[0] is MountStatus.MISSING_SOURCE
    assert classify_mount(listing("a"), None, False)[0] is MountStatus.UNCHECKED


def test_cut_samples_are_compared_only_as_far_as_both_reach() -> None:
    host = listing(*[f"f{i:03}" for i in range(50)], complete=False)
    inside = listing(*[f"f{i:03}" for i in range(30)], complete=False)
    assert classify_mount(host, inside, None)[0] is MountStatus.OK


def test_single_file_binds_compare_content() -> None:
    assert classify_file(b"v2", b"v2")[0] is MountStatus.OK
    status, detail = classify_file(b"version 2", b"v1")
    assert status is MountStatus.STALE and "replaced" in detail
    assert classify_file(b"x", None)[0] is MountStatus.UNCHECKED


def test_mount_findings_levels_and_hints() -> None:
    colima = EngineKind("Colima", "unix:///c.sock", vm=True)
    empty = mount_finding("api", "./app:/app", MountStatus.EMPTY, "the host folder has main.py", kind=colima)
    assert empty is not None and empty.level == "error"
    assert "empty" in empty.message and "colima" in empty.hint
    stale = mount_finding("api", "./app:/app", MountStatus.STALE, "x")
    assert stale is not None and stale.level == "error" and "--force-recreate api" in stale.hint
    single = mount_finding("api", "./c.yml:/c.yml", MountStatus.STALE, "x", is_file=True)
    assert single is not None and "bind the folder" in single.hint
    assert mount_finding("api", "b", MountStatus.DIFFERENT, "x").level == "warning"  # type: ignore[union-attr]
    assert mount_finding("api", "b", MountStatus.OK, "x") is None
    assert mount_finding("api", "b", MountStatus.SKIPPED, "x") is None


def test_broken_per_mount_and_per_service() -> None:
    def check(service: str, status: MountStatus) -> MountCheck:
        return MountCheck(service, f"{service}-1", Path("/p/app"), PurePosixPath("/app"), False, status)

    checks = [
        check("api", MountStatus.OK),
        check("api", MountStatus.EMPTY),
        check("db", MountStatus.DIFFERENT),
        check("web", MountStatus.NOT_MOUNTED),
    ]
    grouped = by_service(checks)
    assert [name for name, s in grouped.items() if s.broken] == ["api", "web"]
    assert grouped["api"].broken_checks == (checks[1],)
    assert checks[1].describe(Path("/p")) == "./app:/app"


def test_a_remote_engines_mount_is_not_called_stale() -> None:
    """What devloop copied into a remote engine's folder differs from the host: that is not a
    replaced host folder, and recreating would not help."""
    remote = engine_kind(LINUX, "ssh://me@box", "linux")
    for status in (MountStatus.EMPTY, MountStatus.STALE, MountStatus.DIFFERENT):
        found = mount_finding("web", "./site:/www", status, "detail", kind=remote)
        assert found is not None and found.level == "warning" and "engine's machine" in found.message
        assert "force-recreate" not in found.hint and "another machine" in found.hint
    local = mount_finding("web", "./site:/www", MountStatus.STALE, "detail", kind=None)
    assert local is not None and local.level == "error"
