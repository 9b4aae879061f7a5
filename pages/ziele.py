"""ziele: in Arbeit."""

import streamlit as st

st.title("ziele")
st.info("Diese Seite ist in Arbeit.")
