"""datenimport: in Arbeit."""

import streamlit as st

st.title("datenimport")
st.info("Diese Seite ist in Arbeit.")
