"""Loaded by chapter kernels that the book runner starts (it puts this folder on PYTHONPATH).

It blocks the network when the runner asked for it, and silences one warning: libraries that
import ``tqdm.auto`` (diffusers does) warn that notebook widgets are missing, which the static
book cannot show anyway; the book's own progress bars print plain lines.
"""
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")
try:
    from thumbnail_lab.publish.netguard import block_if_requested

    block_if_requested()
except ImportError:  # the package is not importable in this interpreter: nothing to guard
    pass
