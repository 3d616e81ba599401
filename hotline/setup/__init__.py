"""What the installation still lacks before a notice can reach a person (``hotline check``, ``GET /setup``)."""
