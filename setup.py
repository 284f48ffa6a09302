"""Copies the top-level resources/ (translations .qm, themes, fonts, icons) into the wheel as
`desktop/resources`, so a non-editable install carries them. The source tree keeps resources/ at
the top, where the translation tools and other helpers edit it; everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCE_SUFFIXES = {".qm", ".qss", ".ttf", ".otf", ".ttc", ".png", ".ico", ".svg", ".txt", ".md"}


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "resources"
        target = Path(self.build_lib) / "desktop" / "resources"
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix.lower() in RESOURCE_SUFFIXES:
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)


setup(cmdclass={"build_py": BuildWithResources})
