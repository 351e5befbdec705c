"""The Spark template: entry script and package zip, built with the digest of their content, and uploaded to
the code bucket.

The zip is built deterministically (sorted entries, fixed timestamps, permissions and system, stored
uncompressed), so an unchanged template gives byte-identical archives on any machine, identical digests, and
therefore no new batch on `pulumi up`, wherever it runs.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_gcp as gcp

from infra.config_reader import PROJECT_ROOT
from infra.storage import Storage

PACKAGE = "spark_jobs"
ENTRY_SCRIPT = "main.py"
BUILD_DIR = PROJECT_ROOT / "build"
# How many hex digits of a content digest name a built file or an uploaded folder.
SHORT_DIGEST = 16
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644 << 16
_UNIX = 3  # the zip format's "made by" system for Unix


class TemplateError(pulumi.RunError, FileNotFoundError):
    """The Spark template to upload is missing or incomplete (a RunError: the CLI shows only its message)."""


@dataclass(frozen=True)
class Template:
    """The files a batch needs, on local disk, and the digest that changes whenever any byte of them does."""

    entry_script: Path
    package_zip: Path
    digest: str


def package_zip_bytes(root: Path = PROJECT_ROOT) -> bytes:
    """`spark_jobs/**/*.py` as a zip with `spark_jobs/...` at its root, identical for identical sources."""
    package = root / PACKAGE
    sources = sorted(path for path in package.rglob("*.py") if _importable(path.relative_to(package)))
    if not sources:
        raise TemplateError(f"{package}: no Python sources to package for the batches")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sources:
            entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_FIXED_TIME)
            entry.external_attr = _FILE_MODE
            # Python records the creating system (Windows or not), and deflate's output depends on the zlib
            # build (zlib-ng in some distributions): either would make another machine's digest differ.
            entry.create_system = _UNIX
            entry.compress_type = zipfile.ZIP_STORED
            try:
                archive.writestr(entry, path.read_bytes())
            except OSError as error:
                raise TemplateError(
                    f"{path}: cannot be read for the batches' package: {error.strerror}"
                ) from None
    return buffer.getvalue()


def _importable(source: Path) -> bool:
    """Whether Python could import the module at `source` (relative to the package): only such files belong
    in the package. An editor's backup (`job.orig.py`, `.#job.py`), a notebook's checkpoint folder or compiled
    files would otherwise change the archive, and run every batch again, on one machine only."""
    *folders, module = source.with_suffix("").parts
    return "__pycache__" not in folders and all(part.isidentifier() for part in (*folders, module))


def build(root: Path = PROJECT_ROOT, build_dir: Path = BUILD_DIR) -> Template:
    """Package the template into `build_dir` (named by content) and return what to upload."""
    entry_script = root / PACKAGE / ENTRY_SCRIPT
    if not entry_script.is_file():
        raise TemplateError(f"{entry_script}: the Spark template's entry script is missing")
    archive = package_zip_bytes(root)
    digest = hashlib.sha256(entry_script.read_bytes() + b"\0" + archive).hexdigest()
    build_dir.mkdir(parents=True, exist_ok=True)
    package_zip = build_dir / f"{PACKAGE}-{digest[:SHORT_DIGEST]}.zip"
    # Written whole or not at all: an interrupted write must not leave a zip that a later run would upload.
    if not package_zip.is_file() or package_zip.read_bytes() != archive:
        partial = package_zip.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(archive)
        partial.replace(package_zip)
    return Template(entry_script=entry_script, package_zip=package_zip, digest=digest)


def uploaded_file(path: Path) -> pulumi.FileAsset:
    """A file to upload, named relative to the project, the directory Pulumi runs the program in: its state
    keeps the path, so an absolute one would differ between checkouts (a laptop's, CI's) and every deploy
    from another one would replace the objects; written with `/` on every system, Windows included."""
    return pulumi.FileAsset(Path(os.path.relpath(path, PROJECT_ROOT)).as_posix())


UPLOAD_OPTIONS = pulumi.ResourceOptions(delete_before_replace=True)
"""For uploaded objects: a replaced object keeps its name (named by content, not by upload), so Pulumi's
default, creating the new one before deleting the old, would delete the object just uploaded."""


class TemplateObjects(pulumi.ComponentResource):
    """The entry script and package zip in the code bucket, under a folder named by their digest."""

    bucket_name: pulumi.Output[str]
    entry_script_uri: pulumi.Output[str]
    package_uri: pulumi.Output[str]
    digest: str
    objects: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        template: Template,
        storage: Storage,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:TemplateObjects", name, None, opts)
        folder = f"jobs/{template.digest[:SHORT_DIGEST]}"
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        def upload(
            logical_name: str, source: Path, object_name: str, content_type: str
        ) -> gcp.storage.BucketObject:
            return gcp.storage.BucketObject(
                logical_name,
                bucket=storage.code.name,
                name=f"{folder}/{object_name}",
                source=uploaded_file(source),
                content_type=content_type,
                opts=pulumi.ResourceOptions.merge(child, UPLOAD_OPTIONS),
            )

        entry = upload("entry-script", template.entry_script, template.entry_script.name, "text/x-python")
        package = upload("package-zip", template.package_zip, f"{PACKAGE}.zip", "application/zip")
        self.bucket_name = storage.code.name
        self.entry_script_uri = object_uri(entry)
        self.package_uri = object_uri(package)
        self.digest = template.digest
        self.objects = [entry, package]
        self.register_outputs({"entry_script": self.entry_script_uri, "package": self.package_uri})


def object_uri(stored: gcp.storage.BucketObject) -> pulumi.Output[str]:
    return pulumi.Output.concat("gs://", stored.bucket, "/", stored.name)
