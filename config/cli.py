"""The `caseflow` command installed with the package (docs/install.md): Django's management
commands, with the production settings by default where the code was installed from the wheel
(config.DEFAULT_SETTINGS_MODULE), for servers that have no checkout."""

import os
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--version", "-V"):
        import django

        from config import __version__

        print(f"caseflow {__version__} (Django {django.get_version()})")
        return
    from config import DEFAULT_SETTINGS_MODULE

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
