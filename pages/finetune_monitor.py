import streamlit as st

st.title("Fine-tune monitor")
st.info(
    "Not available yet: launching and monitoring fine-tuning runs has not landed in this version of Steward."
)
