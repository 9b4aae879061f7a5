"""daten: in Arbeit."""

import streamlit as st

st.title("daten")
st.info("Diese Seite ist in Arbeit.")
