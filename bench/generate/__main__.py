"""python -m bench.generate: see bench/generate/__init__.py."""

from bench.generate import main

if __name__ == "__main__":
    main()
