"""``python -m trdcare.pgx``: the PGx commands alone, without loading the rest of the app
(the same commands as ``trdcare pgx``; a quick start for single-sample calls)."""

from trdcare.pgx.cli import app

if __name__ == "__main__":
    app(prog_name="trdcare pgx")
