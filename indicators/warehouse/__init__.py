"""The warehouse: official raw files -> harmonised Parquet tables (build) and read access to them (store).

Rebuildable: everything here can be produced again from the raw files; user data lives apart.
"""
