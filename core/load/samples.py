"""The bundled sample corpora: a small catalogue of the CSV files in ``sample_data/``.

The samples are English descriptions of Debian packages from three groups of archive sections
(games; science, math and electronics; libdevel and devel), built reproducibly by
``sample_data/build_samples.py``; ``sample_data/README.md`` gives their source, licence and sizes.

This module only finds the files and describes them: it does not read them, so it imports nothing
from the loading stage. Load one with
``core.load.read.load_corpus(sample.path, text_column=sample.text_column, name=sample.name)``.

The folder is ``sample_data/`` next to the ``core`` package (a source checkout or an editable
install); the environment variable ``CORPUS_COMPASS_SAMPLE_DIR`` points elsewhere. A regular wheel
does not ship ``sample_data/``, in which case :func:`list_samples` returns an empty list rather than
failing, so the dashboard still starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.exceptions import ParameterError

__all__ = ["SAMPLE_DIR_ENV", "SampleCorpus", "list_samples", "sample_dir", "sample_path"]

#: environment variable naming a folder of sample corpora that replaces the bundled one
SAMPLE_DIR_ENV = "CORPUS_COMPASS_SAMPLE_DIR"

# name -> (title, one-sentence description); files in the folder that are not listed here are still
# offered, with their file name as title
_CATALOGUE: dict[str, tuple[str, str]] = {
    "games": (
        "Debian games",
        ("Descriptions of the games packaged by Debian (section games): strategy, arcade, board, card "
         "and puzzle games, game engines and emulators."),
    ),
    "science": (
        "Debian scientific, mathematical and electronics software",
        ("Descriptions of Debian's scientific, mathematical and electronics packages (sections science, "
         "math and electronics), sampled to 1,500."),
    ),
    "libdevel": (
        "Debian development libraries and tools",
        ("Descriptions of Debian packages for programmers, development libraries (section libdevel) and "
         "compilers, build and debugging tools (section devel), sampled to 1,500."),
    ),
}


@dataclass(frozen=True)
class SampleCorpus:
    """One bundled sample corpus.

    Attributes
    ----------
    name : str
        Short identifier, the file name without ``.csv`` (``"games"``).
    title : str
        Human-readable title for the dashboard.
    description : str
        One sentence saying what the documents are.
    path : pathlib.Path
        Absolute path of the CSV file.
    text_column : str
        Column holding the documents.
    label_column : str or None
        Column usable as a label (the Debian archive section), or None.
    """

    name: str
    title: str
    description: str
    path: Path
    text_column: str = "text"
    label_column: str | None = "section"

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "path": str(self.path), "text_column": self.text_column,
                "label_column": self.label_column}


def sample_dir() -> Path:
    """Folder the sample corpora are read from: ``$CORPUS_COMPASS_SAMPLE_DIR`` or the bundled one.

    Raises
    ------
    ParameterError
        If the environment variable is set but does not name an existing folder (a typo there
        would otherwise look like "no samples").
    """
    override = os.environ.get(SAMPLE_DIR_ENV)
    if override:
        folder = Path(override).expanduser().resolve()
        if not folder.is_dir():
            raise ParameterError(f"{SAMPLE_DIR_ENV}={override!r} is not a folder: point it at a folder "
                                 "of sample .csv files or unset it to use the bundled samples")
        return folder
    return Path(__file__).resolve().parents[2] / "sample_data"


def list_samples() -> list[SampleCorpus]:
    """The sample corpora present on disk: catalogued ones first (games, science, libdevel), then any
    other ``.csv`` file of the folder by name.

    Returns
    -------
    list of SampleCorpus
        Empty when the folder does not exist (an install without ``sample_data/``).
    """
    folder = sample_dir()
    if not folder.is_dir():
        return []
    files = {path.stem: path for path in folder.glob("*.csv") if path.is_file()}
    order = [name for name in _CATALOGUE if name in files] + sorted(set(files) - set(_CATALOGUE))
    samples = []
    for name in order:
        title, description = _CATALOGUE.get(name, (name, f"Sample corpus read from {files[name].name}."))
        samples.append(SampleCorpus(name=name, title=title, description=description, path=files[name]))
    return samples


def sample_path(name: str) -> Path:
    """Path of the sample corpus called ``name``.

    Raises
    ------
    ParameterError
        If no sample of that name exists; the message lists the available names.
    """
    samples = {sample.name: sample.path for sample in list_samples()}
    if name not in samples:
        available = ", ".join(repr(n) for n in samples) or f"none (no .csv file in {sample_dir()})"
        raise ParameterError(f"unknown sample corpus {name!r}: available samples are {available}")
    return samples[name]
