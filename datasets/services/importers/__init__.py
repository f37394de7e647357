"""Dataset importers: IMDb, TMDB 5000, Netflix Prize, MovieLens.

Each importer streams its files (constant memory), writes in chunks with idempotent upserts,
rejects malformed rows with file, line and reason while the rest imports, and records an
`ImportRun`. See docs/import.md.

One module per source (`imdb`, `tmdb`, `netflix` with its numpy block parser `rating_blocks`,
`movielens`), and one per job they share:

* parsing — `reading` (files → numbered lines, CSV records, TSV rows, chunks) and `fields`
  (a text field → a value, `RowError`);
* resolving — `lookups` (genre, country, company and keyword names → ids);
* writing — `titles` (title upserts and their many-to-many links), `people` (people and
  credits), `sql` (raw multi-row INSERT / COPY);
* reporting — `recorder` (`ImportRecorder`, `run_import`: the `ImportRun` row) and `progress`
  (the commands' progress lines and final report).
"""
