"""schwerpunkte: in Arbeit."""

import streamlit as st

st.title("schwerpunkte")
st.info("Diese Seite ist in Arbeit.")
