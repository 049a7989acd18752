"""Convert a rendered .docx to PDF/A-2b with LibreOffice (soffice) running headless in a child process.

PDF/A-2b (ISO 19005-2, level B) is the archive form: fonts embedded, no external content, and the PDF/A
identification in the file's XMP metadata (pdfaid:part 2, pdfaid:conformance B)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path


class PdfConversionError(RuntimeError):
    """LibreOffice is missing, timed out or produced no PDF."""


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH (soffice or libreoffice), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(data: bytes, *, timeout_s: float = 60) -> bytes:
    """The PDF/A-2b of a .docx; soffice runs with its own throw-away profile and is killed on timeout."""
    soffice = soffice_path()
    if soffice is None:
        raise PdfConversionError("LibreOffice (soffice) is not installed, so PDF conversion is unavailable.")
    if not data.startswith(b"PK\x03\x04"):
        # LibreOffice would happily "convert" any text; only a Word file is meant here.
        raise PdfConversionError("Only a .docx file can be converted to PDF.")
    with tempfile.TemporaryDirectory(prefix="provenance-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        # Its own profile: parallel conversions never share (and lock) a user installation.
        profile = (work / "profile").as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            # LibreOffice >= 7.4 takes the export options as JSON: SelectPdfVersion 2 is PDF/A-2b.
            'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}',
            "--outdir",
            str(work),
            str(source),
        ]
        # A new session makes soffice and its helper processes one group we can kill together.
        process = subprocess.Popen(  # fixed argument list, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work,
            env={**os.environ, "HOME": str(work)},
            start_new_session=True,
        )
        try:
            _out, err = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(f"PDF conversion took longer than {timeout_s:g} s and was stopped.") from None
        finally:
            # Also ends helpers soffice may leave behind in its group.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        target = work / "document.pdf"
        if process.returncode != 0 or not target.exists():
            message = err.decode("utf-8", "replace").strip()[-300:]
            raise PdfConversionError(
                f"LibreOffice could not convert the document (exit {process.returncode}): {message}"
            )
        return target.read_bytes()
