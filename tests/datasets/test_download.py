"""download_datasets against a local HTTP server (the tests never need the Internet)."""
import gzip
import http.server
import io
import socket
import threading
import zipfile
from functools import partial

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Title


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path.endswith("/tmdb_5000_movies.csv") and getattr(self.server, "break_tmdb", False):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"budget,genres")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    (root / "imdb").mkdir(parents=True)
    for name in ("title.basics", "title.ratings", "name.basics", "title.principals", "title.crew"):
        (root / "imdb" / f"{name}.tsv.gz").write_bytes(gzip.compress(f"header of {name}\n".encode()))
    (root / "ml").mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ml-latest-small/movies.csv", "movieId,title,genres\n1,Toy Story (1995),Animation\n")
        zf.writestr("ml-latest-small/links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n")
        zf.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n")
    (root / "ml" / "ml-latest-small.zip").write_bytes(buf.getvalue())
    (root / "nf").mkdir()
    (root / "nf" / "movie_titles.csv").write_bytes(b"1,2003,Dinosaur Planet\r\n")
    (root / "nf" / "combined_data_1.txt").write_bytes(b"1:\n1488844,3,2005-09-06\n")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.root = root
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_imdb_files_are_downloaded_whole_and_renamed_into_place(server, tmp_path):
    dest = tmp_path / "data"
    call_command("download_datasets", "imdb", "--dest", str(dest), "--base-url", f"{server.url}/imdb/", verbosity=0)
    for name in ("title.basics", "title.ratings", "name.basics", "title.principals", "title.crew"):
        assert (dest / f"{name}.tsv.gz").read_bytes() == (server.root / "imdb" / f"{name}.tsv.gz").read_bytes()
    assert not list(dest.glob(".*part"))


@pytest.mark.django_db
def test_movielens_zip_is_unzipped_and_importable(server, tmp_path):
    dest = tmp_path / "ml"
    call_command("download_datasets", "movielens", "--dest", str(dest), "--base-url", f"{server.url}/ml",
                 verbosity=0)
    assert (dest / "ml-latest-small" / "movies.csv").exists()
    call_command("import_movielens", str(dest / "ml-latest-small"), verbosity=0)
    assert Title.objects.get(movielens_id=1).imdb_id == "tt0114709"


def test_existing_files_are_kept_unless_forced(server, tmp_path):
    dest = tmp_path / "nf"
    dest.mkdir()
    (dest / "movie_titles.csv").write_bytes(b"old")
    call_command("download_datasets", "netflix", "--dest", str(dest), "--base-url", f"{server.url}/nf", verbosity=0)
    assert (dest / "movie_titles.csv").read_bytes() == b"old"
    assert (dest / "combined_data_1.txt").exists() and not (dest / "combined_data_2.txt").exists()  # optional
    call_command("download_datasets", "netflix", "--dest", str(dest), "--base-url", f"{server.url}/nf", "--force",
                 verbosity=0)
    assert (dest / "movie_titles.csv").read_bytes() == b"1,2003,Dinosaur Planet\r\n"


def test_a_missing_required_file_names_the_url(server, tmp_path):
    with pytest.raises(CommandError, match=r"tmdb: http://127\.0\.0\.1:\d+/nf/tmdb_5000_movies\.csv: not found"):
        call_command("download_datasets", "tmdb", "--dest", str(tmp_path), "--base-url", f"{server.url}/nf",
                     verbosity=0)


def test_a_broken_transfer_leaves_no_partial_file(server, tmp_path):
    server.break_tmdb = True
    dest = tmp_path / "tmdb"
    with pytest.raises(CommandError, match="broke off|incomplete"):
        call_command("download_datasets", "tmdb", "--dest", str(dest), "--base-url", f"{server.url}/nf",
                     verbosity=0)
    assert list(dest.iterdir()) == []


def test_offline_and_missing_urls_are_clear_errors(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CommandError, match="cannot download .*are you offline"):
        call_command("download_datasets", "imdb", "--dest", str(tmp_path), "--base-url", f"http://127.0.0.1:{port}/",
                     verbosity=0)
    with pytest.raises(CommandError, match="no official download URL.*--base-url"):
        call_command("download_datasets", "tmdb", "--dest", str(tmp_path), verbosity=0)
    with pytest.raises(CommandError, match="Netflix Prize data has no official download URL"):
        call_command("download_datasets", "netflix", "--dest", str(tmp_path), verbosity=0)
