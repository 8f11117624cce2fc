"""Where formcoach's own files are, and where a user's go.

The exercise library, the routines and the pose model ship inside the package
(``formcoach/data/`` in a wheel: pyproject.toml maps the checkout's top-level folders there),
so an installed formcoach works from any folder; run from a checkout, formcoach reads the
top-level folders themselves. Sessions are recorded in the user's data folder, and
``config.toml`` in the user's config folder can add exercise folders and move the recordings.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from formcoach.errors import FormcoachError

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_KEYS = ("exercise_dirs", "recordings")


def shipped(name: str) -> Path:
    """A folder that ships with formcoach: inside an installed package, else the checkout's."""
    packaged = PACKAGE_DIR / "data" / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


EXERCISES_DIR = shipped("exercises")
ROUTINES_DIR = shipped("routines")
MODELS_DIR = shipped("models")
# The project's footage lives beside a checkout, never in it (``formcoach demo`` coaches one of
# its rendered clips).
SHARED_FOOTAGE = PACKAGE_DIR.parent.parent / "shared"


@dataclass(frozen=True)
class UserConfig:
    """The user's settings: exercise folders searched before the shipped library (a file there
    replaces the shipped exercise of the same id), and where sessions are recorded."""

    exercise_dirs: tuple[Path, ...] = ()
    recordings: Path | None = None


def config_path() -> Path:
    return platformdirs.user_config_path("formcoach", appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> UserConfig:
    """The settings in ``path`` (default: the user's config.toml); none when it is absent."""
    path = path or config_path()
    if not path.exists():
        return UserConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise FormcoachError(f"{path}: cannot read the settings: {error}") from None
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise FormcoachError(f"{path}: {unknown[0]}: unknown setting; known: {', '.join(CONFIG_KEYS)}")
    folders = data.get("exercise_dirs", [])
    if not isinstance(folders, list) or not all(isinstance(folder, str) for folder in folders):
        raise FormcoachError(f'{path}: exercise_dirs: must be a list of folder paths, e.g. ["~/my-exercises"]')
    recordings = data.get("recordings")
    if recordings is not None and not isinstance(recordings, str):
        raise FormcoachError(f'{path}: recordings: must be a folder path, e.g. "~/formcoach-sessions"')
    return UserConfig(
        tuple(_setting_path(path, folder) for folder in folders),
        _setting_path(path, recordings) if recordings else None,
    )


def _setting_path(config: Path, value: str) -> Path:
    """``~`` expanded; a relative path is read from the config file's folder."""
    return config.parent / Path(value).expanduser()


def exercise_dirs() -> tuple[Path, ...]:
    """Where exercises are looked for, in order: the user's folders, then the shipped library."""
    return (*load_config().exercise_dirs, EXERCISES_DIR)


def recordings_dir() -> Path:
    """Where sessions are recorded unless --recordings says otherwise."""
    return load_config().recordings or platformdirs.user_data_path("formcoach", appauthor=False) / "recordings"
