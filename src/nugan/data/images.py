"""Images: grids of pixel maps (Pillow, no torchvision) and the image-folder reader.

The image-folder layout is that of torchvision's ``ImageFolder``, as used by the
seed DCGAN listing (Radford et al., arXiv:1511.06434; PyTorch DCGAN tutorial)::

    root/<class_a>/img001.png
    root/<class_a>/img002.jpg
    root/<class_b>/...

Classes are the sub-folders in sorted order (label = index); images may be PNG
or JPEG. With ``image_size`` each image is resized so that its shorter side is
``image_size`` and then center-cropped to ``image_size × image_size``
(``transforms.Resize(image_size)`` + ``transforms.CenterCrop(image_size)``).
Pixel values are stored as float32 in [0, 1] (8-bit value / 255).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nugan._atomic import atomic_path
from nugan.data._checks import existing_file, foreign_attrs, one_line
from nugan.data.eventset import EventSet
from nugan.errors import InputFileError, SchemaError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


# ---------------------------------------------------------------------- grids
def make_grid(images: np.ndarray, nrow: int = 8, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """Tile ``images`` ``(N, C, H, W)`` into one RGB picture, uint8 ``(H', W', 3)``.

    One image per cell, ``nrow`` images per row, ``padding`` pixels of grey level
    ``pad_value`` (0 = black) between cells. Float images are scaled linearly from
    the batch's [min, max] to [0, 255] (uint8 images are used as they are). C = 1
    is shown grey, C = 3 as RGB; any other C (e.g. the two detector views) shows
    the channels side by side in grey within each cell, ``padding`` pixels apart.

    Example:
        >>> make_grid(np.zeros((5, 2, 4, 3)), nrow=4, padding=1).shape
        (11, 33, 3)
    """
    x = np.asarray(images)
    if x.ndim != 4:
        raise SchemaError(f"make_grid expects images (N, C, H, W), got shape {x.shape}")
    if nrow < 1 or padding < 0:
        raise ValueError("nrow must be >= 1 and padding >= 0")
    rgb = _to_rgb_uint8(x, padding, pad_value)  # (N, h, w, 3)
    n, h, w, _ = rgb.shape
    ncol = min(nrow, max(n, 1))
    nrows = max(1, -(-n // ncol))
    grid = np.full((padding + nrows * (h + padding), padding + ncol * (w + padding), 3), pad_value, np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = rgb[i]
    return grid


def _to_rgb_uint8(x: np.ndarray, gap: int = 0, gap_value: int = 0) -> np.ndarray:
    if x.dtype == np.uint8:
        u8 = x
    else:
        xf = np.nan_to_num(x.astype(np.float64))
        lo, hi = (float(xf.min()), float(xf.max())) if xf.size else (0.0, 1.0)
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        u8 = np.clip(np.rint((xf - lo) * scale), 0, 255).astype(np.uint8)
    c = u8.shape[1]
    if c == 3:
        return np.transpose(u8, (0, 2, 3, 1))
    if c == 1:
        side = u8[:, 0]
    else:  # channels side by side, `gap` columns apart: (N, H, C*W + (C-1)*gap)
        sep = np.full((u8.shape[0], u8.shape[2], gap), gap_value, np.uint8)
        pieces = [p for ch in range(c) for p in ((sep, u8[:, ch]) if ch else (u8[:, ch],))]
        side = np.concatenate(pieces, axis=2)
    return np.repeat(side[..., None], 3, axis=3)


def save_grid(
    images: np.ndarray, path: str | os.PathLike[str], nrow: int = 8, padding: int = 2, pad_value: int = 0
) -> None:
    """Save :func:`make_grid` of ``images`` as a PNG file, atomically."""
    from PIL import Image

    grid = make_grid(images, nrow=nrow, padding=padding, pad_value=pad_value)
    with atomic_path(path) as tmp:
        Image.fromarray(grid).save(tmp, format="PNG")


# --------------------------------------------------------------- image folders
def read_image_folder(
    path: str | os.PathLike[str],
    image_size: int | None = None,
    channels: int | None = None,
) -> EventSet:
    """Read an ``ImageFolder``-style tree into an EventSet (pixel maps + labels).

    Arguments:
        path: the root folder (one sub-folder per class).
        image_size: resize (shorter side) and center-crop to this size; without it
            every image must have the same size.
        channels: 1 (grey) or 3 (RGB); default: 1 if every image is grey, else 3.
    """
    from PIL import Image, UnidentifiedImageError

    root = existing_file(path, "an image folder (one sub-folder per class)", folder=True)
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    files: list[tuple[Path, int]] = []
    for label, cls in enumerate(classes):
        found = sorted(f for f in (root / cls).rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        files.extend((f, label) for f in found)
    if not files:
        raise InputFileError(
            f"{root}: no PNG/JPEG images found in sub-folders {classes}; lay the folder out as "
            "root/<class>/<image>.png (one sub-folder per class)"
        )
    if image_size is not None and image_size < 1:
        raise ValueError("image_size must be >= 1")
    opened = []
    for f, _ in files:
        try:
            with Image.open(f) as im:
                im.load()
                opened.append(im.copy())
        except (UnidentifiedImageError, OSError) as exc:
            raise InputFileError(
                f"{f}: not a readable image ({one_line(exc)}); remove or replace it"
            ) from None
    if channels is None:
        channels = 1 if all(im.mode in ("L", "1", "I;16", "I") for im in opened) else 3
    if channels not in (1, 3):
        raise ValueError("channels must be 1 or 3")
    mode = "L" if channels == 1 else "RGB"
    arrays = [_prepare(im.convert(mode), image_size) for im in opened]
    sizes = {a.shape[:2] for a in arrays}
    if len(sizes) > 1:
        first = arrays[0].shape[:2]
        odd = next(i for i, a in enumerate(arrays) if a.shape[:2] != first)
        raise InputFileError(
            f"{root}: images of different sizes, e.g. {files[0][0].name} is {first[1]}x{first[0]} and "
            f"{files[odd][0].name} is {arrays[odd].shape[1]}x{arrays[odd].shape[0]}; give a size to "
            "resize and center-crop to (`--image-size N`, or image_size=N)"
        )
    stack = np.stack(arrays).astype(np.float32) / 255.0
    pix = stack[:, None] if channels == 1 else np.transpose(stack, (0, 3, 1, 2))
    labels = np.array([label for _, label in files], dtype=np.int64)
    return EventSet(
        columns={},
        pixelmaps=np.ascontiguousarray(pix),
        labels=labels,
        label_names=classes,
        attrs=foreign_attrs(root, "images", image_size=image_size, channels=channels, files=len(files)),
    )


def _prepare(im: object, image_size: int | None) -> np.ndarray:
    """Resize (shorter side → ``image_size``, bilinear) and center-crop, as uint8 (H, W[, 3])."""
    from PIL import Image

    assert isinstance(im, Image.Image)
    if image_size is not None:
        w, h = im.size
        scale = image_size / min(w, h)
        nw, nh = max(image_size, round(w * scale)), max(image_size, round(h * scale))
        im = im.resize((nw, nh), Image.Resampling.BILINEAR)
        left, top = (nw - image_size) // 2, (nh - image_size) // 2
        im = im.crop((left, top, left + image_size, top + image_size))
    return np.asarray(im, dtype=np.uint8)
