"""Loaded by chapter kernels that the book runner starts (it puts this folder on PYTHONPATH).

It only blocks the network when the runner asked for it; nothing else happens here.
"""
try:
    from thumbnail_lab.netguard import block_if_requested

    block_if_requested()
except ImportError:  # the package is not importable in this interpreter: nothing to guard
    pass
