"""The hotspot and intelligence map: settings, sign-in and navigation by role."""

from __future__ import annotations

import streamlit as st

from hotspots.maps.assets import use_local_assets
from ui import state

st.set_page_config(page_title="Hotspot and intelligence map", page_icon="🗺️", layout="wide")
use_local_assets()

user = state.current_user()
state.engine()

pages = [
    st.Page("pages/overview.py", title="Overview", icon="🏠", url_path="overview", default=True),
]
navigation = st.navigation(pages)
with st.sidebar:
    st.caption(f"Signed in as **{user.username}** ({user.role})")
navigation.run()
