"""Dataset importers: IMDb, TMDB 5000, Netflix Prize, MovieLens.

Each importer streams its files (constant memory), writes in chunks with idempotent upserts,
rejects malformed rows with file, line and reason while the rest imports, and records an
`ImportRun`. See docs/import.md.
"""
