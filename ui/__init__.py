"""Streamlit-side helpers shared by app.py and the pages: cached resources, the banner, the user.

Kept apart from `hotspots/` (which never imports streamlit) and from `pages/` (one file a page).
"""
