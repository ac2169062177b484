"""Generative models of thumbnails: a DCGAN, a denoising diffusion model, and the tools that judge them.

One module per concern: ``images`` (array <-> tensor conversions and synthetic test images),
``gan`` / ``gan_training`` (the adversarial model and its loop), ``latent`` (the autoencoder
whose latent space the diffusion model works in), ``diffusion`` (DDPM/DDIM on diffusers),
``optim`` (the shared learning-rate schedule), ``feature_extractor`` (the in-project CNN that
labels elements and embeds images), ``metrics`` (Fréchet distance, KID, precision/recall,
element coverage), ``memorisation`` (nearest training neighbours) and ``interpolation``
(latent walks).
"""
