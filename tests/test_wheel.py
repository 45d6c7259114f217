"""A non-editable install carries brand/, templates/, fonts/ and the data, and works from anywhere."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(build),
                    str(ROOT)], check=True, timeout=300)
    wheel = next(build.glob("netral_assets-*.whl"))
    target = build / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    return target


def test_wheel_runs_from_any_directory(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    code = ("import netral_assets, sys; from netral_assets.resources import bundled_dir; "
            "print(netral_assets.__file__); print(bundled_dir('templates'))")
    where = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                           check=True).stdout
    assert str(installed) in where.splitlines()[0]
    assert str(installed) in where.splitlines()[1]
    result = subprocess.run([sys.executable, "-m", "netral_assets", "kit", "-a", "34.04", "--only", "twibbon,logo",
                             "--out", "kits"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kits" / "kabupaten-sleman" / "twibbon-bundar.png").is_file()
    for part in ("brand/brand.toml", "fonts/OFL.txt", "templates/base/base.css"):
        assert (installed / "netral_assets" / "_pack" / part).is_file()
    assert (installed / "netral_assets" / "data" / "wilayah" / "LICENSE.md").is_file()
