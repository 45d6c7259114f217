import shutil
import subprocess
from pathlib import Path

import pytest

from netral_assets import load_pack, load_registry

RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="session")
def pack():
    return load_pack()


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def sleman(registry):
    return registry.find("34.04")


@pytest.fixture(scope="session")
def longest(registry):
    """The longest official name in the registry."""
    return max(registry, key=lambda a: len(a.name))


def pdftotext(pdf: bytes, tmp_path: Path, layout: bool = False) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is installed by `make test` (tools/system-deps.sh)"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdffonts(pdf: bytes, tmp_path: Path) -> list[dict]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... emb sub uni object ID: the three yes/no columns sit before "object ID"
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return rows


def save_result(name: str, data: bytes) -> Path:
    """Keep an output for a person to look at when a test fails."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_bytes(data)
    return path
