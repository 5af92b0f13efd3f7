"""The storage seam: repository protocols and their SQLite and PostgreSQL implementations.

All SQL lives under this package; driver exceptions become paybus errors here.
"""
