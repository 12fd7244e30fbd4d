"""Reusable Streamlit widgets and pure plotly figure builders."""
