"""Decrypt and verify a bundle into a directory: manifest.json, the dump and the files (disaster recovery)."""

import json
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups.bundles import DATABASE_DUMP_NAME, DUMP_NAME, bundle_open
from backend.backups import BackupError


class Command(BaseCommand):
    help = (
        "Decrypt FILE, verify its signature and every SHA-256, and write manifest.json, the pg_dump file "
        "(schema.dump or database.dump: restore a whole database with pg_restore into an empty one) and "
        "files/ into DIR, which must not exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="A bundle (backup_tenant, backup_database).")
        parser.add_argument("--output-dir", required=True, help="Directory to create.")
        parser.add_argument("--database", action="store_true", help="The bundle is a whole-database one.")

    def handle(self, *args, **options):
        target = Path(options["output_dir"])
        if target.exists():
            raise CommandError(f"{target} already exists; refusing to overwrite it.")
        kind = "database" if options["database"] else "tenant"
        with tempfile.TemporaryDirectory(prefix="pm-extract-") as tmp:
            try:
                bundle = bundle_open(source=Path(options["input"]), workdir=Path(tmp), kind=kind)
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            target.mkdir(mode=0o700, parents=True)
            (target / "manifest.json").write_text(json.dumps(bundle.manifest, indent=2, sort_keys=True))
            shutil.move(bundle.dump, target / (DATABASE_DUMP_NAME if options["database"] else DUMP_NAME))
            for relative, local in bundle.files.items():
                destination = target / "files" / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(local, destination)
        self.stdout.write(f"Verified and extracted to {target} ({len(bundle.files)} files).")
