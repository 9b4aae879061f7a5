"""landrat: in Arbeit."""

import streamlit as st

st.title("landrat")
st.info("Diese Seite ist in Arbeit.")
