"""Project configuration: settings, URLs, the Celery app."""

from pathlib import Path

# The release (CHANGELOG.md); pyproject.toml reads it from here.
__version__ = "0.2.0"

# Installed from the wheel (no templates/ beside the packages: docs/install.md) the web server,
# the workers and the `caseflow` command default to the production settings; a checkout
# defaults to the development ones. DJANGO_SETTINGS_MODULE overrides both.
DEFAULT_SETTINGS_MODULE = (
    "config.settings.dev"
    if (Path(__file__).resolve().parent.parent / "templates").is_dir()
    else "config.settings.production"
)

from .celery import app as celery_app  # noqa: E402  (reads DEFAULT_SETTINGS_MODULE)

__all__ = ["DEFAULT_SETTINGS_MODULE", "__version__", "celery_app"]
