"""Opening thumbnail files safely: size limits before decoding, and conversion to RGB.

Every image the package reads from a user's folder or from the network goes through
``inspect_image``: it reads the header first and refuses a file whose declared size is a
decompression bomb before a single pixel is decoded; it only lets Pillow try the formats a
thumbnail can have (so no exotic decoder such as EPS, which calls Ghostscript, ever runs);
and it decodes the whole image so that truncated files are caught here, not in a training
loop. ``to_rgb`` turns CMYK, greyscale, palette and alpha images into plain RGB.
"""
from __future__ import annotations

import hashlib
import io
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

    @property
    def needs_reencode(self) -> bool:
        """True when the stored file is not a plain RGB JPEG (the importer re-encodes it)."""
        return self.format != "JPEG" or self.mode != "RGB"


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


def decode(data: bytes) -> Image.Image:
    """Open and fully decode image bytes (first frame), so truncation is caught here."""
    image = open_checked(data)
    try:
        image.load()
    except Exception as err:  # truncated or corrupt pixel data
        raise ImageProblem(f"the image data is truncated or corrupt ({type(err).__name__}: {err})") from None
    return image


def to_rgb(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """Convert any mode to RGB (alpha composited on white); returns the image and notes."""
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
    if mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit or float greyscale: scale to 8 bits rather than clipping at 255.
        array = np.asarray(image, dtype=np.float64)
        top = array.max() if array.size and array.max() > 0 else 1.0
        image = Image.fromarray(np.clip(array / top * 255.0, 0, 255).astype(np.uint8), mode="L")
    return image.convert("RGB"), [f"{mode} converted to RGB"]


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
    image = decode(data)
    fmt = image.format or "unknown"
    notes: list[str] = []
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in _EXT_FORMAT and _EXT_FORMAT[ext] != fmt:
        notes.append(f"{fmt} content in a file named {ext}")
    if getattr(image, "n_frames", 1) > 1:
        notes.append(f"animated {fmt}: first frame used")
    original_mode = image.mode
    rgb, mode_notes = to_rgb(image)
    notes += mode_notes
    facts = ImageFacts(width=image.width, height=image.height, format=fmt, mode=original_mode,
                       sha256=hashlib.sha256(data).hexdigest(), phash=phash_hex(rgb),
                       colour=colour_signature(rgb), notes=notes)
    return facts, rgb


def jpeg_bytes(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB image as a baseline JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def load_resized(path, width: int, height: int) -> np.ndarray:
    """Decode ``path`` to a uint8 (height, width, 3) array, centre-cropped to the aspect and resized.

    JPEGs are decoded at a reduced DCT scale when that is still at least the target size,
    which is several times faster than decoding full size and then shrinking.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    image = open_checked(data)
    if image.format == "JPEG":
        image.draft(image.mode, (width, height))
    image.load()
    rgb, _ = to_rgb(image)
    fitted = ImageOps.fit(rgb, (width, height), method=Image.Resampling.LANCZOS)
    return np.asarray(fitted, dtype=np.uint8)
