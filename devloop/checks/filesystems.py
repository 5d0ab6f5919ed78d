"""The host filesystems of bind sources and build contexts, from /proc/self/mountinfo, and
the ones a container engine shares badly (FAT, ExFAT, NTFS, network filesystems)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from devloop.checks.finding import REBUILD_INSTEAD, Finding


@dataclass(frozen=True)
class MountEntry:
    mount_point: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> tuple[MountEntry, ...]:
    """/proc/self/mountinfo lines: `id parent dev root mountpoint opts [optional...] - type source ...`."""
    entries = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and tail:
            source = _unescape(tail[1]) if len(tail) > 1 else ""
            entries.append(MountEntry(_unescape(fields[4]), tail[0], source))
    return tuple(entries)


def filesystem_of(path: str, table: str | Sequence[MountEntry]) -> MountEntry | None:
    """The mount that holds `path`: the longest mount point prefix (the last one mounted wins)."""
    entries = parse_mountinfo(table) if isinstance(table, str) else table
    best: MountEntry | None = None
    for entry in entries:
        point = entry.mount_point.rstrip("/") or "/"
        if path == point or point == "/" or path.startswith(point + "/"):
            if best is None or len(point) >= len(best.mount_point.rstrip("/") or "/"):
                best = entry
    return best


_FAT = {"exfat", "vfat", "fat", "msdos", "fat32", "fuse.exfat", "fuse.exfat-fuse"}
_NTFS = {"ntfs", "ntfs3", "fuseblk", "fuse.ntfs-3g"}
_NETWORK = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "afpfs",
    "webdav",
    "9p",
    "virtiofs",
    "vboxsf",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "fuse.glusterfs",
    "fuse.vmhgfs-fuse",
    "prl_fs",
    "fakeowner",
    "grpcfuse",
    "osxfs",
    "fuse.grpcfuse",
    "davfs",
    "fuse.rclone",
}


def filesystem_finding(services: Sequence[str], where: str, fstype: str) -> Finding | None:
    """Advice for a bind source or build context on a filesystem that bind mounts handle badly."""
    fs = fstype.lower()
    service = services[0] if len(services) == 1 else None
    used = "" if service or not services else f" (used by {', '.join(services)})"
    if fs in _FAT or fs in _NTFS:
        label = "ExFAT/FAT" if fs in _FAT else "NTFS"
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on {label} ({fstype}){used}: no Unix permissions or symlinks, macOS "
            "writes ._* files there, and VMs (Docker Desktop, Colima) often show it empty",
            f"move the project to a native filesystem (APFS, ext4), {REBUILD_INSTEAD}",
        )
    if fs in _NETWORK:
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on a network or VM-shared filesystem ({fstype}){used}: edits made on the "
            "other side often raise no file events, so reloaders and watchers miss them",
            "keep the project on a local disk, make the reloader poll "
            f"(WATCHFILES_FORCE_POLLING=true, CHOKIDAR_USEPOLLING=true), {REBUILD_INSTEAD}",
        )
    if fs == "fuse" or fs.startswith("fuse."):
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on a FUSE filesystem ({fstype}){used}: a root engine cannot read it "
            "without `allow_other`, and file events depend on the driver",
            f"move the project to a native filesystem, {REBUILD_INSTEAD}",
        )
    return None
