"""A loopback HTTP server that serves files the way the model hosts do, for download tests.

* plain files at fixed paths (Detoxify's GitHub release downloads);
* Hugging Face repos: ``/api/models/{repo}/revision/{rev}`` (repo info),
  ``/api/models/{repo}/tree/{rev}`` (file listing) and ``/{repo}/resolve/{rev}/{file}``
  (HEAD and GET, with the ``X-Repo-Commit`` / ``ETag`` headers the client reads).

The real clients (``urllib`` and ``huggingface_hub``) talk to it, so the download code under
test is the code users run; only the host is local.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse


class HubServer:
    """``with HubServer(files, repos) as url: ...``; ``requests`` lists (method, path) seen."""

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        repos: dict[str, dict[str, bytes]] | None = None,
        gated: set[str] | None = None,
    ) -> None:
        self.files = dict(files or {})
        self.repos = {k: dict(v) for k, v in (repos or {}).items()}
        self.gated = set(gated or ())
        self.requests: list[tuple[str, str]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def commit(repo: str) -> str:
        return hashlib.sha1(repo.encode()).hexdigest()

    def __enter__(self) -> str:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def _send(self, code: int, body: bytes = b"", headers: dict | None = None) -> None:
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, data) -> None:
                self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

            def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                path = unquote(urlparse(self.path).path)
                hub.requests.append((self.command, path))
                if path in hub.files:
                    return self._send(200, hub.files[path])
                for repo, files in hub.repos.items():
                    sha = hub.commit(repo)
                    if repo in hub.gated and (
                        path.startswith(f"/api/models/{repo}/") or path.startswith(f"/{repo}/")
                    ):
                        return self._send(403, b'{"error": "gated"}', {"X-Error-Code": "GatedRepo"})
                    if path.startswith(f"/api/models/{repo}/revision/"):
                        return self._json(
                            {
                                "id": repo,
                                "modelId": repo,
                                "sha": sha,
                                "siblings": [{"rfilename": name} for name in sorted(files)],
                            }
                        )
                    if path.startswith(f"/api/models/{repo}/tree/"):
                        return self._json(
                            [
                                {
                                    "type": "file",
                                    "oid": hashlib.sha1(body).hexdigest(),
                                    "size": len(body),
                                    "path": name,
                                }
                                for name, body in sorted(files.items())
                            ]
                        )
                    prefix = f"/{repo}/resolve/"
                    if path.startswith(prefix):
                        name = path[len(prefix) :].split("/", 1)[1]
                        if name not in files:
                            return self._send(404, b"not found", {"X-Error-Code": "EntryNotFound"})
                        body = files[name]
                        return self._send(
                            200,
                            body,
                            {
                                "X-Repo-Commit": sha,
                                "ETag": f'"{hashlib.sha1(body).hexdigest()}"',
                            },
                        )
                return self._send(404, b"not found", {"X-Error-Code": "RepoNotFound"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
