"""torch datasets over EventSets (this module imports torch; the rest of nugan.data does not).

* :class:`EncodedDataset`: a map-style dataset of an EventSet in memory, encoded by
  :class:`~nugan.data.features.FeatureSpec` s.
* :class:`StreamingEventDataset`: an iterable dataset that streams a nugan HDF5
  file chunk by chunk (:func:`nugan.data.iter_events`), for files larger than
  memory; chunks are split among DataLoader workers and distributed ranks, and
  shuffled with a seed.

Each item is a dict ``{"x": (*data_shape), "condition": (condition_dim,), "label": ()}``
(the last two only when asked for), so the default collate function stacks them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from nugan.data.eventset import EventSet
from nugan.data.features import FeatureSpec
from nugan.data.hdf5 import count_events, read_events
from nugan.errors import SchemaError


def encode(
    events: EventSet,
    spec: FeatureSpec,
    condition_spec: FeatureSpec | None = None,
    labels: bool = False,
) -> dict[str, np.ndarray]:
    """The encoded arrays of ``events``: ``x`` (images if the spec has them, else the table),
    ``condition`` and ``label`` when asked for."""
    out = {"x": spec.encode_images(events) if spec.image_shape is not None else spec.encode_table(events)}
    if condition_spec is not None:
        out["condition"] = condition_spec.encode_table(events)
    if labels:
        if events.labels is None:
            raise SchemaError("labels were asked for, but the events have none")
        out["label"] = np.asarray(events.labels, dtype=np.int64)
    return out


class EncodedDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """An EventSet in memory, encoded once, as a map-style dataset.

    Example:
        >>> ev = EventSet({"a": np.arange(4.0)})
        >>> ds = EncodedDataset(ev, FeatureSpec.fit(ev, ["a"]))
        >>> len(ds), tuple(ds[0]["x"].shape)
        (4, (1,))
    """

    def __init__(
        self,
        events: EventSet,
        spec: FeatureSpec,
        condition_spec: FeatureSpec | None = None,
        labels: bool = False,
    ) -> None:
        self.arrays = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in
                       encode(events, spec, condition_spec, labels).items()}

    def __len__(self) -> int:
        return int(self.arrays["x"].shape[0])

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {k: v[index] for k, v in self.arrays.items()}


class StreamingEventDataset(torch.utils.data.IterableDataset):  # type: ignore[type-arg]
    """Stream a nugan HDF5 file in chunks, encoded by FeatureSpecs.

    Arguments:
        path: the nugan HDF5 file.
        spec, condition_spec, labels: what to encode (see :func:`encode`).
        chunk_size: events read at a time.
        shuffle: shuffle the chunk order and the events within each chunk.
        seed: the shuffling seed; the order of epoch ``e`` depends on ``(seed, e)``
            only (call :meth:`set_epoch` between epochs).
        rank, world_size: this process's share of the chunks (distributed training);
            DataLoader workers split that share again.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        spec: FeatureSpec,
        condition_spec: FeatureSpec | None = None,
        labels: bool = False,
        chunk_size: int = 4096,
        shuffle: bool = True,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if chunk_size < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise ValueError("need chunk_size >= 1 and 0 <= rank < world_size")
        self.path, self.spec, self.condition_spec, self.labels = str(path), spec, condition_spec, labels
        self.chunk_size, self.shuffle, self.seed = chunk_size, shuffle, seed
        self.rank, self.world_size = rank, world_size
        self.n_events = count_events(self.path)
        self.epoch = 0
        self._columns = list(spec.columns) + (list(condition_spec.columns) if condition_spec else [])

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffling order of ``epoch``."""
        self.epoch = int(epoch)

    def _my_chunks(self) -> list[int]:
        starts = list(range(0, self.n_events, self.chunk_size))
        if self.shuffle:
            np.random.default_rng([self.seed, self.epoch]).shuffle(starts)
        mine = starts[self.rank :: self.world_size]
        info = torch.utils.data.get_worker_info()
        return mine if info is None else mine[info.id :: info.num_workers]

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        images = self.spec.image_shape is not None
        for start in self._my_chunks():
            events = read_events(self.path, columns=sorted(set(self._columns)), start=start,
                                 stop=start + self.chunk_size, particles=False, pixelmaps=images)
            arrays: dict[str, Any] = encode(events, self.spec, self.condition_spec, self.labels)
            order = np.arange(len(events))
            if self.shuffle:
                np.random.default_rng([self.seed, self.epoch, start]).shuffle(order)
            tensors = {k: torch.from_numpy(np.ascontiguousarray(v[order])) for k, v in arrays.items()}
            for i in range(len(order)):
                yield {k: v[i] for k, v in tensors.items()}
