"""The embedded PostgreSQL launcher: data survives restarts and the server stops when its user exits."""

import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys, psycopg
    from pathlib import Path
    from backend.embedded_db import persistent_database
    db = persistent_database(Path(sys.argv[1]))
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
        conn.execute("INSERT INTO kept VALUES (1)")
        print(conn.execute("SELECT count(*) FROM kept").fetchone()[0])
    """
)


def _run(pgdata: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(pgdata)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_persistent_cluster_keeps_data_and_stops_on_exit():
    # Not pytest's tmp_path: its parents are private to root, and the server runs as another user.
    root = Path(tempfile.mkdtemp(prefix="projectmeats-launcher-test-"))
    root.chmod(0o755)
    pgdata = root / "pg"
    try:
        assert _run(pgdata) == "1"
        # The first process stopped the server on exit: no postmaster.pid is left behind.
        assert not (pgdata / "postmaster.pid").exists()
        assert _run(pgdata) == "2"
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
