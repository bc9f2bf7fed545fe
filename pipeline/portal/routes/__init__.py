"""The portal's routes, one module per audience: login, pages, downloads, administration."""
