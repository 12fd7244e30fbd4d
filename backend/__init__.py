"""Steward backend: the real work behind the dashboard, usable without Streamlit.

Nothing in this package imports ``streamlit``. Heavy libraries (torch, transformers,
peft, opacus, sentence-transformers) are imported lazily inside the functions that
need them, so importing ``backend`` stays fast.
"""

__version__ = "0.1.0"
