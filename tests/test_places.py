"""The user's settings: their own exercise folders and where sessions are recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcoach.errors import FormcoachError
from formcoach.exercises.loader import exercise_files, find_exercise, load_library
from formcoach.places import EXERCISES_DIR, load_config, recordings_dir

SHIPPED_BRIDGE = (EXERCISES_DIR / "glute_bridge.toml").read_text()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's config.toml (not yet written), with the user's folders under ``tmp_path``."""
    for kind in ("CONFIG", "DATA"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / kind.lower()))
    path = tmp_path / "config" / "formcoach" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


def own_exercise(folder: Path, exercise_id: str, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = SHIPPED_BRIDGE.replace('id = "glute_bridge"', f'id = "{exercise_id}"')
    path = folder / f"{exercise_id}.toml"
    path.write_text(text.replace('name = "Glute bridge"', f'name = "{name}"'))
    return path


def test_without_settings_the_shipped_library_and_the_users_data_folder(config: Path, tmp_path: Path) -> None:
    assert not config.exists()
    assert len(load_library()) == len(list(EXERCISES_DIR.glob("*.toml"))) == 30
    assert recordings_dir() == tmp_path / "data" / "formcoach" / "recordings"


def test_a_users_folder_adds_exercises_and_replaces_a_shipped_one_of_the_same_id(config: Path) -> None:
    mine = config.parent / "mine"  # written relative: read from the config file's folder
    own_exercise(mine, "my_bridge", "My bridge")
    own_exercise(mine, "glute_bridge", "Glute bridge, my way")
    config.write_text('exercise_dirs = ["mine"]\nrecordings = "~/sessions"\n')
    library = load_library()
    assert len(library) == 31
    assert library["my_bridge"].name == "My bridge"
    assert library["glute_bridge"].name == find_exercise("glute_bridge").name == "Glute bridge, my way"
    assert find_exercise("squat").path == str(EXERCISES_DIR / "squat.toml")
    assert len(exercise_files()) == 32  # both of the user's files and every shipped one, for validate
    assert recordings_dir() == Path("~/sessions").expanduser()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exercise_folders = ["mine"]', "config.toml: exercise_folders: unknown setting; known: exercise_dirs"),
        ('exercise_dirs = "mine"', "config.toml: exercise_dirs: must be a list of folder paths"),
        ("recordings = 3", "config.toml: recordings: must be a folder path"),
        ("recordings = ", "config.toml: cannot read the settings"),
    ],
)
def test_a_bad_setting_names_the_file_and_the_key(config: Path, text: str, message: str) -> None:
    config.write_text(text + "\n")
    with pytest.raises(FormcoachError, match=message):
        load_config()


def test_a_configured_folder_that_is_missing_is_named(config: Path) -> None:
    config.write_text('exercise_dirs = ["/nowhere/exercises"]\n')
    with pytest.raises(FormcoachError, match="exercise folder not found: /nowhere/exercises"):
        load_library()
