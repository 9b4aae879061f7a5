"""Benchmarks of RegioMonitor: page times at Kreis scale, data-layer questions at municipality scale (``python -m bench``)."""
