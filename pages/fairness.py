import streamlit as st

st.title("Fairness")
st.info(
    "Not available yet: per-group fairness metrics and mitigation has not landed in this version of Steward."
)
