"""A kit made with an issuing identity: every picture and PDF signed, manifest.json signed beside it,
`netral verify` says so, a changed byte is caught, and a run without the identity leaves no stale
signature behind."""

import json

from click.testing import CliRunner

from netral_assets.cli import cli
from netral_assets.provenance import StaticIndex, init_identity, load_trust, verify_file

PARTS = "logo,twibbon"


def test_a_signed_kit_verifies_and_a_changed_file_is_caught(tmp_path):
    identity = init_identity("Pemerintah Kabupaten Sleman", tmp_path / "id")
    runner = CliRunner()
    result = runner.invoke(cli, ["kit", "-a", "34.04", "--only", PARTS, "--identity", str(identity),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "kabupaten-sleman"
    trust = load_trust([identity])
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    signable = [e["path"] for e in manifest["files"] if e["path"].endswith((".png", ".pdf"))]
    assert signable and (folder / "manifest.json.p7s").is_file()
    for name in [*signable, "manifest.json"]:
        report = verify_file(folder / name, trust)
        assert report.status == "valid", (name, report.message())
    checked = runner.invoke(cli, ["check", *(str(folder / n) for n in signable)])
    assert checked.exit_code == 0, checked.output  # the manifest records the signed files' sha256

    verified = runner.invoke(cli, ["verify", str(folder / signable[0]), "--trust", str(identity)])
    assert verified.exit_code == 0 and "ASLI" in verified.output

    # the link card carries its short code: registered as signed by the identity, named in its credentials,
    # and the index is covered by the signed manifest
    (card,) = StaticIndex.load(folder).registrations
    assert card.file == "card.png" and card.signed and card.issuer == "Pemerintah Kabupaten Sleman"
    assert verify_file(folder / "card.png", trust).code == card.code
    assert {r["path"] for r in manifest["keaslian"]} >= {"keaslian/index.json", f"keaslian/{card.thumbnail_name}"}

    png = folder / next(n for n in signable if n.endswith(".png"))
    data = bytearray(png.read_bytes())
    data[len(data) // 2] ^= 0xFF
    png.write_bytes(bytes(data))
    assert verify_file(png, trust).status == "changed"
    assert runner.invoke(cli, ["verify", str(png), "--trust", str(identity)]).exit_code != 0

    # the same run again with nothing changed keeps the files; without the identity everything is
    # made again unsigned and the manifest's old signature is removed
    again = runner.invoke(cli, ["kit", "-a", "34.04", "--only", PARTS, "--out", str(tmp_path / "out")])
    assert again.exit_code == 0, again.output
    assert not (folder / "manifest.json.p7s").exists()
    assert verify_file(folder / signable[0], trust).status == "none"
    assert [r.signed for r in StaticIndex.load(folder).registrations] == [False]


def test_a_bad_identity_is_refused_before_anything_is_made(tmp_path):
    identity = init_identity("Pemerintah Kabupaten Sleman", tmp_path / "id")
    (identity / "signing-key.pem").chmod(0o644)
    result = CliRunner().invoke(cli, ["kit", "-a", "34.04", "--only", PARTS, "--identity", str(identity),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "chmod 600" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "kabupaten-sleman").exists()


def test_a_signed_batch_verifies_and_its_zips_carry_the_signature(tmp_path):
    import subprocess
    import sys
    import zipfile

    identity = init_identity("Badan Kepegawaian Daerah DIY", tmp_path / "id")
    units = tmp_path / "unit.csv"
    units.write_text("name,short_name,province\nDinas Komunikasi dan Informatika Uji,Diskominfo Uji,34\n", "utf-8")
    out = tmp_path / "kits"
    result = subprocess.run([sys.executable, "-m", "netral_assets", "batch", "--agencies", str(units), "--only", "logo",
                             "--zip", "--no-proof", "-j", "1", "--identity", str(identity), "--out", str(out)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    folder = next(p.parent for p in out.rglob("manifest.json.p7s"))
    trust = load_trust([identity])
    assert verify_file(folder / "manifest.json", trust).status == "valid"
    assert verify_file(folder / "logo-horizontal.png", trust).status == "valid"
    with zipfile.ZipFile(folder.parent / f"{folder.name}.zip") as archive:
        assert any(n.endswith("/manifest.json.p7s") for n in archive.namelist())
