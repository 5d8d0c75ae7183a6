"""Synthetic images: letters rendered from the installed fonts, and noise."""

from __future__ import annotations

import glob
import os
from functools import lru_cache

import numpy as np
from sklearn.utils import check_random_state

from .._validation import check_choice, check_int
from ._shape import check_image_shape


@lru_cache(maxsize=8)
def find_fonts(font_dir):
    """Sorted usable TrueType fonts under ``font_dir`` (cached in memory)."""
    from PIL import ImageFont

    usable = []
    for path in sorted(glob.glob(os.path.join(font_dir, "**", "*.ttf"), recursive=True)):
        try:
            font = ImageFont.truetype(path, 20)
            if font.getbbox("A")[2] <= 0:
                continue
        except (OSError, ValueError):
            continue
        usable.append(path)
    return tuple(usable)


@lru_cache(maxsize=1024)
def _get_font(path, px):
    """A PIL font for ``path`` (or the default font if None) at ``px`` pixels."""
    from PIL import ImageFont

    if path is None:
        try:
            return ImageFont.load_default(size=px)
        except TypeError:  # Pillow < 10.1 has a fixed-size bitmap default
            return ImageFont.load_default()
    return ImageFont.truetype(path, px)


def _render_glyph(char, font, size, dx, dy, angle):
    """Render one white glyph centred (plus offset) on a black square."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), char, font=font)
    x = (size - (right - left)) / 2.0 - left + dx
    y = (size - (bottom - top)) / 2.0 - top + dy
    draw.text((x, y), char, fill=255, font=font)
    if angle:
        img = img.rotate(angle, resample=Image.BILINEAR, fillcolor=0)
    return np.asarray(img, dtype=np.uint8)


def _font_paths(fonts):
    """The font files to draw from: ``fonts``, else those under :data:`FONT_DIR`, else ``(None,)``.

    ``None`` stands for PIL's built-in default font.
    """
    if fonts is None:
        from . import FONT_DIR

        return find_fonts(FONT_DIR) or (None,)
    font_paths = tuple(os.fspath(p) for p in fonts)
    if not font_paths:
        raise ValueError(f"fonts: expected at least one font file, got {fonts!r}.")
    for p in font_paths:
        if not os.path.isfile(p):
            raise FileNotFoundError(f"fonts: expected font files, got {p!r}, which is not a file.")
    return font_paths


def make_letters(n_per_letter=100, letters="ABCDEFGHIJ", size=28, random_state=None,
                 fonts=None):
    """Render a notMNIST-like letter image set from installed fonts.

    Each image shows one white letter on a black background, drawn with a
    font chosen at random among the TrueType fonts found under
    :data:`FONT_DIR` (``/usr/share/fonts``, glob ``**/*.ttf``), with a
    random font size (60-95 % of ``size``), a small random offset (up to
    6 % of ``size``) and a small random rotation (up to 15 degrees).  If no
    font is found, PIL's built-in ``ImageFont.load_default()`` is used for
    every image (scalable with Pillow >= 10.1, a fixed small bitmap font
    before), so the set is less varied.

    Parameters
    ----------
    n_per_letter : int, default=100
        Number of images per letter.
    letters : str, default="ABCDEFGHIJ"
        The letters (classes); label ``k`` is ``letters[k]``.  Must not
        contain duplicates or whitespace.
    size : int, default=28
        Height and width of the images in pixels (at least 8).
    random_state : int, RandomState instance or None, default=None
        Seed; the output is deterministic for a given integer seed (and the
        same installed fonts).
    fonts : sequence of str, optional
        Explicit list of font files to use instead of searching
        :data:`FONT_DIR`.

    Returns
    -------
    X : ndarray of shape (n_per_letter * len(letters), 1, size, size), dtype float32
        Images in ``[0, 1]``, ordered by letter (all ``letters[0]`` first).
    y : ndarray of shape (n_per_letter * len(letters),), dtype int64
        Index of the letter in ``letters``.

    Examples
    --------
    >>> from gan_ova.datasets import make_letters
    >>> X, y = make_letters(n_per_letter=5, letters="AB", random_state=0)
    >>> X.shape, X.dtype, y.tolist()
    ((10, 1, 28, 28), dtype('float32'), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> bool(X.max() == 1.0 and X.min() == 0.0)
    True
    """
    n_per_letter = check_int("n_per_letter", n_per_letter, minimum=1)
    size = check_int("size", size, minimum=8)
    if not isinstance(letters, str) or len(letters) == 0:
        raise ValueError(f"letters: expected a non-empty string, got {letters!r}.")
    if len(set(letters)) != len(letters) or any(c.isspace() for c in letters):
        raise ValueError(f"letters: expected distinct, non-whitespace characters, got {letters!r}.")
    font_paths = _font_paths(fonts)
    rng = check_random_state(random_state)

    n = n_per_letter * len(letters)
    X = np.empty((n, 1, size, size), dtype=np.float32)
    y = np.repeat(np.arange(len(letters), dtype=np.int64), n_per_letter)
    max_shift = 0.06 * size
    for i in range(n):
        char = letters[y[i]]
        path = font_paths[rng.randint(len(font_paths))]
        px = max(4, int(round(size * rng.uniform(0.60, 0.95))))
        dx, dy = rng.uniform(-max_shift, max_shift, size=2)
        angle = rng.uniform(-15.0, 15.0)
        glyph = _render_glyph(char, _get_font(path, px), size, dx, dy, angle)
        peak = glyph.max()
        # stretch contrast so every glyph reaches full white
        X[i, 0] = glyph.astype(np.float32) / (float(peak) if peak > 0 else 255.0)
    return X, y


def make_noise_images(n, shape=(1, 28, 28), kind="uniform", random_state=None):
    """Generate noise images, e.g. as an out-of-distribution test set.

    Parameters
    ----------
    n : int
        Number of images.
    shape : tuple of int, default=(1, 28, 28)
        Image shape ``(C, H, W)``.
    kind : {"uniform", "gaussian"}, default="uniform"
        ``"uniform"``: i.i.d. uniform pixels in ``[0, 1]``;
        ``"gaussian"``: i.i.d. ``N(0.5, 0.25**2)`` pixels clipped to ``[0, 1]``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducibility.

    Returns
    -------
    X : ndarray of shape (n, C, H, W), dtype float32
        Images in ``[0, 1]``.

    Examples
    --------
    >>> from gan_ova.datasets import make_noise_images
    >>> X = make_noise_images(4, shape=(3, 8, 8), kind="gaussian", random_state=0)
    >>> X.shape, X.dtype, bool(X.min() >= 0 and X.max() <= 1)
    ((4, 3, 8, 8), dtype('float32'), True)
    """
    n = check_int("n", n, minimum=0)
    shape = check_image_shape(shape)
    check_choice("kind", kind, ("uniform", "gaussian"))
    rng = check_random_state(random_state)
    if kind == "uniform":
        X = rng.uniform(0.0, 1.0, size=(n,) + shape)
    else:
        X = np.clip(rng.normal(0.5, 0.25, size=(n,) + shape), 0.0, 1.0)
    return X.astype(np.float32)
