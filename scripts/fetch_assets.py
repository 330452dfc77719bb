#!/usr/bin/env python3
"""Fetch Leaflet, jQuery, Bootstrap, Font Awesome and the Leaflet plugins folium uses into
static/vendor/, from the npm registry, so that the maps draw with no internet.

Run by the set-up command: `.venv/bin/python scripts/fetch_assets.py`. Idempotent: when every
file is present and the package list is unchanged it returns at once. It needs `npm` (Debian:
`apt-get install npm`); `npm pack` downloads each pinned tarball (checking the registry's
integrity hash and using npm's cache), and only the files listed in
`hotspots.maps.assets.VENDOR_PACKAGES` are copied. Nothing is installed or run from the packages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from hotspots.maps.assets import VENDOR_PACKAGES, VendorPackage  # noqa: E402

STAMP_NAME = ".fetched.json"


def _manifest() -> list[dict[str, object]]:
    return [{"spec": p.spec, "files": [list(f) for f in p.files]} for p in VENDOR_PACKAGES]


def is_up_to_date(dest: Path) -> bool:
    """True when the stamp matches the package list and every listed file or folder exists."""
    stamp = dest / STAMP_NAME
    if not stamp.is_file():
        return False
    try:
        if json.loads(stamp.read_text()) != _manifest():
            return False
    except json.JSONDecodeError:
        return False
    return all((dest / target).exists() for p in VENDOR_PACKAGES for _, target in p.files)


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("fetch_assets: npm not found; install it (Debian: apt-get install npm) and re-run")
    return npm


def _pack(npm: str, spec: str, workdir: Path) -> Path:
    """Download one package tarball with `npm pack`; return the folder it unpacks to."""
    target = Path(tempfile.mkdtemp(dir=workdir))
    env = {
        **os.environ,
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_update_notifier": "false",
    }
    # npm is the one found on PATH; the arguments are our own pinned package specs.
    result = subprocess.run(  # noqa: S603
        [npm, "pack", spec, "--pack-destination", str(target), "--silent"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    tarballs = list(target.glob("*.tgz"))
    if result.returncode != 0 or len(tarballs) != 1:
        sys.exit(f"fetch_assets: `npm pack {spec}` failed:\n{result.stderr.strip()}")
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(target / "x", filter="data")
    (root,) = (target / "x").iterdir()  # npm tarballs hold one top folder, usually "package"
    return root


def _copy_package(package: VendorPackage, root: Path, stage: Path) -> None:
    for source, target in package.files:
        src, dst = root / source, stage / target
        if not src.exists():
            sys.exit(f"fetch_assets: {package.spec} has no {source}; check VENDOR_PACKAGES")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def _replace(dest: Path, stage: Path) -> None:
    """Swap the staged folder in, so a failed fetch never leaves half a vendor folder."""
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    stage.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def fetch(dest: Path) -> None:
    npm = _npm()
    dest.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".vendor-", dir=dest.parent))
    stage.chmod(0o755)  # mkdtemp makes it private; the web server must read it
    try:
        with tempfile.TemporaryDirectory(prefix="hotspots-npm-") as work:
            for package in VENDOR_PACKAGES:
                print(f"fetch_assets: {package.spec}", flush=True)
                _copy_package(package, _pack(npm, package.spec, Path(work)), stage)
        (stage / STAMP_NAME).write_text(json.dumps(_manifest()))
        _replace(dest, stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=REPO_ROOT / "static" / "vendor")
    parser.add_argument("--force", action="store_true", help="fetch even when up to date")
    args = parser.parse_args(argv)
    if not args.force and is_up_to_date(args.dest):
        print(f"fetch_assets: {args.dest} is up to date")
        return 0
    fetch(args.dest)
    print(f"fetch_assets: wrote {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
