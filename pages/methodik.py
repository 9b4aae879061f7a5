"""methodik: in Arbeit."""

import streamlit as st

st.title("methodik")
st.info("Diese Seite ist in Arbeit.")
