import streamlit as st

st.title("Dataset audit")
st.info(
    "Not available yet: the dataset audit (representation, label skew, PII, toxicity, duplicates) has not landed in this version of Steward."
)
