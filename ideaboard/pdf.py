"""Reports as PDF downloads, drawn by WeasyPrint from the app's own files only: a PDF never fetches
anything from the network (the mayor's report, the programme's evaluation)."""
import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, request
from werkzeug.security import safe_join

from .assets import static_files


def static_text(filename: str) -> str:
    """A static file's text, e.g. css/report.css to embed in the SVG charts of a PDF."""
    return (Path(current_app.static_folder) / filename).read_text(encoding="utf-8")


def pdf_download(html: str, filename: str) -> Response:
    import weasyprint  # lazy: loading it takes long, and most processes never draw a PDF

    # Its warnings are about app.css's screen-only rules and the charts' SVG properties: noise here.
    # A stylesheet it could not load is still logged (as an error).
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=request.url_root, url_fetcher=_static_fetcher(request.url_root))
    response = current_app.response_class(document.write_pdf(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _static_fetcher(root: str):
    """WeasyPrint's fetcher: the app's static files under `root`, read from disk; anything else is
    refused (WeasyPrint then leaves it out)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # lazy, as in pdf_download

    prefix = current_app.static_url_path + "/"
    static, folder, files = root.rstrip("/") + prefix, current_app.static_folder, static_files()

    class StaticFiles(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            if url.startswith(static) and path.startswith(prefix):
                found = files.resolve(path[len(prefix):])  # url_for('static', ...)'s hashed names too
                local = safe_join(folder, found[0]) if found else None
                if local and Path(local).is_file():
                    mime = mimetypes.guess_type(local)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, Path(local).read_bytes(), {"Content-Type": mime})
            raise ValueError(f"not fetched for the PDF: {url}")

    return StaticFiles()
