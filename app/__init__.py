"""The Corpus Compass dashboard (Streamlit). Layout only: every number comes from ``core``."""
