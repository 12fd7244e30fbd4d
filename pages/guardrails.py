import streamlit as st

st.title("Guardrail playground")
st.info(
    "Not available yet: the guardrail playground and red-team suite has not landed in this version of Steward."
)
