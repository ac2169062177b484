"""The one image loader: safe opening, bounded reads, upright pixels and plain RGB, every change recorded.

Every image the package reads, from a user's folder, from the network or into the image
cache, goes through this module, so the validator, the importer, the collector and the
cache all see the same pixels:

* ``read_image_file`` checks the file's size before reading it and reads at most
  ``MAX_FILE_BYTES`` (a 1.5 GB file is refused without reading it);
* ``open_checked`` reads the header and refuses a decompression bomb before a single pixel
  is decoded; only the formats a thumbnail can have are tried (so no exotic decoder such as
  EPS, which calls Ghostscript, ever runs); ``decode`` then decodes the whole image, so
  truncated files are caught here, not in a training loop;
* ``upright`` applies the EXIF orientation (a phone photo stored sideways with an
  "rotate 90°" tag), as every viewer does;
* ``to_rgb`` turns CMYK, greyscale, palette and alpha images into plain RGB; 16-bit
  greyscale is scaled by its bit depth (value × 255 / 65535), never by the image's own
  maximum, so a mid-grey stays mid-grey.

Each of these changes is returned as a note, which the validator reports and the importer
writes to ``import_report.json``.
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Formats a thumbnail may be stored in; Pillow tries no other decoder.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
#: Most pixels an image may declare (an 8K frame has 33 million); larger is treated as a bomb.
MAX_PIXELS = 40_000_000
#: Largest image file accepted, in bytes (a 1280x720 thumbnail is well under 1 MB).
MAX_FILE_BYTES = 50 * 2**20
#: Smallest sensible thumbnail side in pixels.
MIN_SIDE = 8
#: JPEG quality used whenever the package has to re-encode an image.
JPEG_QUALITY = 95

_EXT_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF", ".bmp": "BMP"}


class ImageProblem(ValueError):
    """An image file cannot be used; the message says why."""


@dataclass
class ImageFacts:
    """What ``inspect_image`` learned about one readable image."""

    width: int
    height: int
    format: str
    mode: str
    sha256: str
    phash: str  # 16 hex digits: imagehash.phash of the RGB image
    colour: str  # 96 hex digits: the image shrunk to 4x4 RGB (phash ignores colour)
    notes: list[str] = field(default_factory=list)  # e.g. "CMYK converted to RGB"
    orientation: int = 1  # EXIF orientation of the file (1: upright); width and height are after applying it

    @property
    def needs_reencode(self) -> bool:
        """True when the stored file is not a plain RGB JPEG (the importer re-encodes it).

        A JPEG with an EXIF orientation is kept byte for byte: every viewer, and this loader,
        shows it upright.
        """
        return self.format != "JPEG" or self.mode != "RGB"


def read_image_file(path: str | os.PathLike) -> bytes:
    """The bytes of an image file; its size is checked before anything is read, and the read is capped.

    A FIFO or device is refused without blocking on it.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ImageProblem("not a regular file")
        if info.st_size == 0:
            raise ImageProblem("the file is empty (0 bytes)")
        if info.st_size > MAX_FILE_BYTES:
            raise ImageProblem(f"the file has {info.st_size:,} bytes (the limit is {MAX_FILE_BYTES:,}); "
                               f"it was refused without being read")
        data = fh.read(info.st_size + 1)  # read(n) allocates n bytes up front: ask for the size, not the limit
        if len(data) > info.st_size:  # the file grew since fstat: read on, but never past the limit
            data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise ImageProblem(f"the file grew past {MAX_FILE_BYTES:,} bytes while it was read")
    return data


def open_checked(data: bytes) -> Image.Image:
    """Open image bytes (header only), refusing empty files, unknown formats and bombs."""
    if len(data) == 0:
        raise ImageProblem("the file is empty (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise ImageProblem(f"the file has {len(data):,} bytes (the limit is {MAX_FILE_BYTES:,})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check the size ourselves below
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as err:
        raise ImageProblem(f"decompression bomb refused before decoding ({err})") from None
    except UnidentifiedImageError:
        raise ImageProblem(f"not a readable image in any of {', '.join(ALLOWED_FORMATS)} "
                           f"(starts with {data[:8]!r})") from None
    except Exception as err:  # a corrupt header can raise almost anything inside a plugin
        raise ImageProblem(f"unreadable image header ({type(err).__name__}: {err})") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageProblem(f"decompression bomb refused before decoding: the header declares "
                           f"{width}x{height} = {width * height:,} pixels (the limit is {MAX_PIXELS:,})")
    if min(width, height) < MIN_SIDE:
        raise ImageProblem(f"the image is only {width}x{height} pixels")
    return image


def decode(data: bytes, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """Open and fully decode image bytes (first frame), so truncation is caught here.

    ``draft_size`` lets a JPEG decode at a reduced DCT scale that is still at least that size.
    """
    image = open_checked(data)
    if draft_size is not None and image.format == "JPEG":
        image.draft(image.mode, draft_size)
    try:
        image.load()
    except Exception as err:  # truncated or corrupt pixel data
        raise ImageProblem(f"the image data is truncated or corrupt ({type(err).__name__}: {err})") from None
    return image


_ORIENTATIONS = {2: "mirrored left to right", 3: "rotated 180°", 4: "mirrored top to bottom",
                 5: "mirrored and rotated 90° anticlockwise", 6: "rotated 90° clockwise",
                 7: "mirrored and rotated 90° clockwise", 8: "rotated 90° anticlockwise"}


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation tag of ``image`` (1, upright, when it has none or a bad one)."""
    try:
        value = int(image.getexif().get(0x0112, 1))
    except Exception:  # a corrupt EXIF block: treat as upright
        return 1
    return value if value in _ORIENTATIONS else 1


def upright(image: Image.Image) -> tuple[Image.Image, int, list[str]]:
    """``image`` turned as its EXIF orientation says (as viewers show it); returns it, the tag and notes."""
    orientation = exif_orientation(image)
    if orientation == 1:
        return image, 1, []
    fmt = image.format
    turned = ImageOps.exif_transpose(image)
    turned.format = fmt
    return turned, orientation, [f"EXIF orientation {orientation} applied ({_ORIENTATIONS[orientation]}, "
                                 f"as viewers show it)"]


#: Modes holding 16-bit (or wider) greyscale; their values are scaled by the bit depth.
_WIDE_GREY = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def _grey16_to_8(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """16-bit greyscale to 8 bits by the bit depth: value × 255 / 65535, rounded."""
    array = np.asarray(image, dtype=np.float64)
    notes = [f"{image.mode} (16-bit greyscale) scaled to 8 bits by its bit depth (value × 255 / 65535) "
             f"and converted to RGB"]
    if array.size and (array.min() < 0 or array.max() > 65535):
        notes.append(f"{image.mode} values outside 0-65535 clipped")
    eight = np.clip(np.floor(np.clip(array, 0, 65535) * 255.0 / 65535.0 + 0.5), 0, 255).astype(np.uint8)
    return Image.fromarray(eight, mode="L").convert("RGB"), notes


def to_rgb(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """Convert any mode to RGB (alpha composited on white, 16-bit by bit depth); returns the image and notes."""
    mode = image.mode
    if mode == "RGB":
        return image, []
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background, [f"{mode} with alpha composited on white and converted to RGB"]
    if mode in _WIDE_GREY:
        return _grey16_to_8(image)
    return image.convert("RGB"), [f"{mode} converted to RGB"]


def load_rgb(data: bytes, draft_size: tuple[int, int] | None = None) -> tuple[Image.Image, Image.Image, int, list[str]]:
    """Decode bytes to upright RGB; returns (decoded image, RGB image, EXIF orientation, notes)."""
    image = decode(data, draft_size)
    turned, orientation, notes = upright(image)
    rgb, mode_notes = to_rgb(turned)
    return image, rgb, orientation, notes + mode_notes


def phash_hex(image: Image.Image) -> str:
    """Perceptual hash (imagehash.phash, 64 bits) as 16 hex digits."""
    import imagehash

    return str(imagehash.phash(image))


def colour_signature(image: Image.Image) -> str:
    """The RGB image averaged down to 4x4 pixels, as 96 hex digits."""
    return np.asarray(image.resize((4, 4), Image.Resampling.BOX), dtype=np.uint8).tobytes().hex()


def inspect_image(data: bytes, name: str = "") -> tuple[ImageFacts, Image.Image]:
    """Check image bytes completely and return their facts and the decoded RGB image.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file name, used to notice content whose format does not match its extension.

    Raises
    ------
    ImageProblem
        Empty, oversized, unknown format, decompression bomb, truncated or corrupt.
    """
    image, rgb, orientation, change_notes = load_rgb(data)
    fmt = image.format or "unknown"
    notes: list[str] = []
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in _EXT_FORMAT and _EXT_FORMAT[ext] != fmt:
        notes.append(f"{fmt} content in a file named {ext}")
    if getattr(image, "n_frames", 1) > 1:
        notes.append(f"animated {fmt}: first frame used")
    notes += change_notes
    facts = ImageFacts(width=rgb.width, height=rgb.height, format=fmt, mode=image.mode,
                       sha256=hashlib.sha256(data).hexdigest(), phash=phash_hex(rgb),
                       colour=colour_signature(rgb), notes=notes, orientation=orientation)
    if facts.needs_reencode and image.info.get("icc_profile"):
        facts.notes.append("embedded ICC colour profile not carried over to the re-encoded JPEG")
    return facts, rgb


def jpeg_bytes(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB image as a baseline JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def load_resized(path, width: int, height: int) -> np.ndarray:
    """Decode ``path`` to a uint8 (height, width, 3) array, centre-cropped to the aspect and resized.

    The pixels are exactly those ``inspect_image`` checked: the same bounded read, EXIF
    orientation and RGB conversion. JPEGs are decoded at a reduced DCT scale when that is
    still at least the target size (before turning, for a sideways image), which is several
    times faster than decoding full size and then shrinking.
    """
    data = read_image_file(path)
    probe = open_checked(data)
    sideways = exif_orientation(probe) in (5, 6, 7, 8)
    _, rgb, _, _ = load_rgb(data, draft_size=(height, width) if sideways else (width, height))
    fitted = ImageOps.fit(rgb, (width, height), method=Image.Resampling.LANCZOS)
    return np.asarray(fitted, dtype=np.uint8)
