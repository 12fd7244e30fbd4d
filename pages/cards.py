import streamlit as st

st.title("Cards & sign-off")
st.info(
    "Not available yet: model and data cards with reviewer sign-off has not landed in this version of Steward."
)
