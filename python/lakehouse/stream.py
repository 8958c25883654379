"""StreamDataset: the samples of a lakehouse snapshot, as `lakehouse stream` writes them.

One `lakehouse stream` process per iterator (per DataLoader worker), its tar read from the
pipe with the standard library's tarfile in stream mode. The order is the binary's: a
permutation fixed by (seed, epoch); this iterator takes the share of its split, where the
split is (distributed rank, DataLoader worker): global rank = rank * workers + worker of
world * workers. state_dict() records how many samples this iterator has yielded in the
epoch, so load_state_dict() resumes exactly after them (`--skip`).
"""
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import numpy as np

try:  # torch is optional: an IterableDataset when it is there
    from torch.utils.data import IterableDataset as _Base
    from torch.utils.data import get_worker_info as _torch_worker_info
except ImportError:  # pragma: no cover - exercised where torch is absent
    _Base = object
    _torch_worker_info = None


def _worker_info():
    """(worker id, number of workers) of the DataLoader worker we run in, else (0, 1)."""
    info = _torch_worker_info() if _torch_worker_info else None
    return (info.id, info.num_workers) if info is not None else (0, 1)


def _distributed():
    """(rank, world) of torch.distributed when initialised, else of RANK/WORLD_SIZE, else (0, 1)."""
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
    except ImportError:
        pass
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def _binary():
    path = os.environ.get("LAKEHOUSE_BIN") or shutil.which("lakehouse")
    if not path:
        raise FileNotFoundError("lakehouse binary not found: put it on PATH or set LAKEHOUSE_BIN")
    return path


def stream_command(table=None, sql=None, version=None, time=None, seed=0, epoch=0, rank=0,
                   world=1, skip=0, decode=None, size=None, fit=None, frames=None, threads=None,
                   skip_bad=False, binary=None):
    """The `lakehouse stream` command line (a list) for these settings."""
    if (table is None) == (sql is None):
        raise ValueError("give one of table= or sql=")
    argv = [binary or _binary(), "stream"]
    argv += ["--table", table] if table is not None else ["--sql", sql]
    if version is not None:
        argv += ["--version", str(version)]
    if time is not None:
        argv += ["--time", str(time)]
    argv += ["--seed", str(seed), "--epoch", str(epoch)]
    if world != 1 or rank != 0:
        argv += ["--rank", str(rank), "--world", str(world)]
    if skip:
        argv += ["--skip", str(skip)]
    if decode is not None:
        if size is None:
            raise ValueError("decode= needs size=(width, height)")
        argv += ["--decode", decode, "--size", f"{int(size[0])}x{int(size[1])}"]
        if fit is not None:
            argv += ["--fit", fit]
        if frames is not None:
            argv += ["--frames", str(frames)]
    if threads is not None:
        argv += ["--threads", str(threads)]
    if skip_bad:
        argv.append("--skip-bad")
    return argv


def _sample(key, members):
    s = {"__key__": key}
    for ext, data in members.items():
        if ext == "json":
            s["json"] = json.loads(data)
        elif ext == "npy":
            a = np.load(io.BytesIO(data), allow_pickle=False)
            s["frames" if a.ndim == 4 else "image"] = a
        else:
            s[ext] = data  # jpg, png, mp4: the object's bytes
    return s


class StreamDataset(_Base):
    """Iterable samples of a lakehouse selection at one snapshot.

    table= or sql= selects (as `lakehouse stream`); version= (snapshot id or tag) or time=
    pins the snapshot; seed= and epoch= fix the order; decode='rgb' with size=(w, h) (and fit=,
    frames=) gives arrays, else the raw bytes under 'jpg'/'mp4'. rank=/world= default to
    torch.distributed's (or RANK/WORLD_SIZE); DataLoader workers split further on their own.
    Samples: {'__key__', 'image' (uint8 HxWx3) or 'frames' (TxHxWx3), 'json' (dict)}.
    """

    def __init__(self, table=None, sql=None, version=None, time=None, seed=0, epoch=0,
                 decode=None, size=None, fit=None, frames=None, rank=None, world=None,
                 threads=None, skip_bad=False, binary=None):
        if (table is None) == (sql is None):
            raise ValueError("give one of table= or sql=")
        if decode is not None and size is None:
            raise ValueError("decode= needs size=(width, height)")
        self.table, self.sql, self.version, self.time = table, sql, version, time
        self.seed, self.epoch = seed, epoch
        self.decode, self.size, self.fit, self.frames = decode, size, fit, frames
        self.rank, self.world = rank, world
        self.threads, self.skip_bad, self.binary = threads, skip_bad, binary
        self._consumed = 0  # samples this iterator yielded in the epoch
        self._resume = 0    # where the next iterator starts (load_state_dict)

    # ---- order, split and resume ----------------------------------------------------------
    def set_epoch(self, epoch):
        """Another epoch, another order; starts it from its first sample."""
        self.epoch, self._consumed, self._resume = epoch, 0, 0

    def split(self):
        """(global rank, global world) of this iterator: (rank, worker) over (world, workers)."""
        if self.rank is None or self.world is None:
            rank, world = _distributed()
        else:
            rank, world = self.rank, self.world
        worker, workers = _worker_info()
        return rank * workers + worker, world * workers

    def state_dict(self):
        """Where this iterator is: load it into a new StreamDataset to go on after it."""
        rank, world = self.split()
        return {"seed": self.seed, "epoch": self.epoch, "consumed": self._consumed,
                "rank": rank, "world": world}

    def load_state_dict(self, state):
        rank, world = self.split()
        if (state.get("rank", rank), state.get("world", world)) != (rank, world):
            raise ValueError(f"state of split {state['rank']}/{state['world']}, "
                             f"this iterator is {rank}/{world}")
        self.seed, self.epoch = state["seed"], state["epoch"]
        self._consumed = self._resume = int(state["consumed"])

    def command(self, skip=0):
        rank, world = self.split()
        return stream_command(table=self.table, sql=self.sql, version=self.version,
                              time=self.time, seed=self.seed, epoch=self.epoch, rank=rank,
                              world=world, skip=skip, decode=self.decode, size=self.size,
                              fit=self.fit, frames=self.frames, threads=self.threads,
                              skip_bad=self.skip_bad, binary=self.binary)

    # ---- the stream -----------------------------------------------------------------------
    def __iter__(self):
        skip, self._resume = self._resume, 0
        self._consumed = skip
        argv = self.command(skip)
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, bufsize=1 << 20)
            finished = False
            try:
                key, members = None, {}
                with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                    for m in tar:
                        if not m.isfile():
                            continue
                        k, _, ext = m.name.partition(".")
                        if key is not None and k != key:
                            self._consumed += 1
                            yield _sample(key, members)
                            members = {}
                        key = k
                        members[ext] = tar.extractfile(m).read()
                if key is not None:
                    self._consumed += 1
                    yield _sample(key, members)
                finished = True
            except tarfile.ReadError:
                finished = True  # an empty or cut stream: the exit code says why
            finally:
                proc.stdout.close()  # an early stop: the binary sees EPIPE and exits 0
                try:
                    rc = proc.wait(timeout=None if finished else 10)
                except subprocess.TimeoutExpired:  # still planning, nothing written yet
                    proc.terminate()
                    rc = proc.wait()
            if finished and rc != 0:
                err.seek(0)
                msg = err.read().decode(errors="replace").strip()
                raise RuntimeError(f"lakehouse stream failed (exit {rc}) after "
                                   f"{self._consumed} samples: {msg}")
