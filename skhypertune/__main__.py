"""``python -m skhypertune``: the command line (see :mod:`skhypertune.cli`)."""

from skhypertune.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
