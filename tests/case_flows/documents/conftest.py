import pytest

from config.settings.base import attachments_storage


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test stores its attachments in a folder of its own."""
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "attachments": attachments_storage("", root)}
    return root


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
