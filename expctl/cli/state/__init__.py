"""What expctl keeps on this machine between runs: caches, the carried rate budget, the apply lock."""
