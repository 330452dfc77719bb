"""The hotspot and intelligence map: settings, sign-in and navigation by role."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hotspots.maps.assets import use_local_assets
from hotspots.security.roles import PAGES, pages_for
from ui import auth, state

PAGES_DIR = Path(__file__).resolve().parent / "pages"
#: Material Symbols are bundled with Streamlit and served locally (emoji need a system font).
PAGE_ICONS = {
    "overview": ":material/home:", "hotspot_map": ":material/map:",
    "hotspot_detail": ":material/location_on:", "search": ":material/search:",
    "premises": ":material/storefront:",
    "trends": ":material/trending_up:", "import": ":material/upload_file:",
    "disruption": ":material/block:", "meeting_pack": ":material/groups:",
    "screening": ":material/assignment:", "intelligence_form": ":material/edit_note:",
    "admin_users": ":material/manage_accounts:", "audit_log": ":material/history:",
    "retention": ":material/auto_delete:",
}  # fmt: skip

st.set_page_config(page_title="Hotspot and intelligence map", page_icon="🗺️", layout="wide")
use_local_assets()

# Settings are checked, the session found (or the sign-in form or the purpose question shown
# as the only page) before any page of pages/ can run.
user = auth.gate()
if user is None:
    st.stop()
state.engine()

# Only the pages this role may open are registered: any other page's URL is not served.
pages = [
    st.Page(
        str(PAGES_DIR / f"{key}.py"),
        title=PAGES[key].title,
        icon=PAGE_ICONS.get(key),
        url_path=key,
        default=(key == "overview"),
    )
    for key in pages_for(user.role)
    if (PAGES_DIR / f"{key}.py").exists()
]
navigation = st.navigation(pages)
auth.sidebar(user)
navigation.run()
