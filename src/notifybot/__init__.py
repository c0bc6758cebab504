"""notifybot: transactional notifications over end-to-end encrypted chat."""

__version__ = "0.1.0"
