"""Build hook (the rest of the packaging is in pyproject.toml): the wheel carries the top-level
templates/, static/ and locale/ (with the compiled .mo files) inside the config package, as
config/_site/, where the settings find them on a server without a checkout (docs/install.md)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SITE_FOLDERS = ("templates", "static", "locale")


class BuildWithSite(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        target = Path(self.build_lib) / "config" / "_site"
        for name in SITE_FOLDERS:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithSite})
