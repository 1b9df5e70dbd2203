"""`canvass present ID [--revoke]`, run as a real subprocess on a shared database."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import canvass, example_in_the_future

CONFIG = """[present]
enabled = true
base_url = "https://room.example"
ttl_after_close_hours = 2
"""


def test_the_operator_gets_and_revokes_a_link(tmp_path: Path) -> None:
    env = {"CANVASS_DATA_DIR": str(tmp_path / "data"), "CANVASS_SECRET": "cli-test-secret-0123456789"}
    created = canvass("survey", "create", str(example_in_the_future(tmp_path)), cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    survey_id = created.stdout.split("[", 1)[1].split("]", 1)[0]

    disabled = canvass("present", survey_id, cwd=tmp_path, env=env)
    assert disabled.returncode == 2
    assert disabled.stderr.strip() == "canvass: config: [present] enabled is false, so no presenter page is served"

    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    linked = canvass("present", survey_id, cwd=tmp_path, env=env)
    assert linked.returncode == 0, linked.stderr
    assert "https://room.example/present/" in linked.stdout and "2 hours after the close" in linked.stdout
    revoked = canvass("present", survey_id, "--revoke", cwd=tmp_path, env=env)
    assert revoked.returncode == 0 and "Revoked 1 presenter link(s)" in revoked.stdout
    unknown = canvass("present", "nosuchid", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "nosuchid" in unknown.stderr
