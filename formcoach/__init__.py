"""formcoach: a camera-based coach for hip mobility and strength exercises."""

__version__ = "0.1.0"
