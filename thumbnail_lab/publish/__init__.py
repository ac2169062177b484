"""The machinery that executes and builds the book; it imports no analysis code.

- ``execute``: run chapters with papermill (``python -m thumbnail_lab.publish.execute``)
- ``profiles``: the smoke/default/full parameter profiles and command-line overrides
- ``toc``: generate ``_toc.yml`` from ``book/`` (``python -m thumbnail_lab.publish.toc``)
- ``buildcheck``: check the built HTML (``python -m thumbnail_lab.publish.buildcheck``)
- ``netguard``: refuse non-loopback connections in tests and chapter kernels
- ``reproducibility``, ``performance``: what the appendices read and draw
- ``kernel_site``: the ``sitecustomize`` that chapter kernels load
"""
