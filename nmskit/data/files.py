"""Files in and out: errors that name the file, text that is checked before parsing, and
writes that never leave a half-written file.

Every reader of nmskit goes through :func:`reader`, so whatever goes wrong while reading a
file (missing, a folder, unreadable, corrupt gzip, not UTF-8, nested too deeply, numbers
out of range, or a bad value found while parsing) reaches the caller as one
``ValueError("<file>: <problem>")``. Every writer goes through :func:`atomic_write`: the
data goes to a temporary file in the target's folder, renamed over the target only once
complete.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar, cast

from .._arrays import PathLike

GZIP_MAGIC = b"\x1f\x8b"
Reader = TypeVar("Reader", bound=Callable[..., Any])


def file_error(path: str | bytes | os.PathLike[Any], problem: str, line: int | None = None) -> ValueError:
    """``ValueError("<file>: line <n>: <problem>")``; ``line`` is 1-based as in an editor."""
    where = f"{os.fsdecode(path)}: line {line}" if line is not None else os.fsdecode(path)
    return ValueError(f"{where}: {problem}")


def _check_readable(path) -> None:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise ValueError(f"path must be a file name, got {type(path).__name__}")
    if os.path.isdir(path):
        raise file_error(path, "is a folder, not a file")
    if not os.path.exists(path):
        raise file_error(path, "no such file")


def reader(fn: Reader) -> Reader:
    """Decorate a reader whose first argument is a path: any failure while reading becomes a
    ValueError that starts with the file name."""

    @functools.wraps(fn)
    def read(path: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(path, (str, os.PathLike)):  # parsed data, not a file
            return fn(path, *args, **kwargs)
        _check_readable(path)
        name = os.fspath(path)
        try:
            return fn(path, *args, **kwargs)
        except ValueError as exc:
            if str(exc).startswith(name):
                raise
            raise file_error(path, str(exc)) from None
        except RecursionError:
            raise file_error(path, "nested too deeply to read") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise file_error(
                path,
                f"cannot be read: {exc.strerror or exc}"
                if isinstance(exc, OSError)
                else f"corrupt or truncated compressed data ({exc})",
            ) from None
        except (OverflowError, UnicodeError, KeyError, TypeError, IndexError) as exc:
            raise file_error(path, f"malformed content ({type(exc).__name__}: {exc})") from None

    return cast(Reader, read)


def read_bytes(path: PathLike) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic number."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise file_error(path, f"corrupt or truncated gzip data ({exc})") from None
    return data


def read_text(path: PathLike) -> str:
    """The file as UTF-8 text (gzip or plain); a byte that is not UTF-8, or a NUL byte,
    raises naming the line."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise file_error(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); is it the right file?", line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise file_error(path, "holds a NUL byte: binary data, not text", line)
    return text


def _check_writable(path) -> str:
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise file_error(path, f"cannot write: the folder {folder} does not exist")
    if os.path.isdir(target):
        raise file_error(path, "cannot write: it is a folder")
    return folder


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "w", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it is renamed to
    ``path``, on any failure it is removed and ``path`` is left as it was."""
    folder = _check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(os.fspath(path))}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a new file's mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(path: PathLike) -> None:
    """Raise naming ``path`` unless a file can be written there (the folder exists)."""
    _check_writable(path)
