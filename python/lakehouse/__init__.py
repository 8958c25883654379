"""Training data from a lakehouse snapshot: StreamDataset reads `lakehouse stream`."""
from .stream import StreamDataset, stream_command

__all__ = ["StreamDataset", "stream_command"]
