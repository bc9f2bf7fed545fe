"""Validate: run each source's expectation suite with Great Expectations; split accepted rows
from quarantined ones, every row accounted for.

The modules follow the data: `bronze` (the ingested rows, numbered), `row_rules` (the row
expectations, in chunks by `parallel`, through `gx_runner`, from the suites of `suites`), `batch`
(expectations on whole files and sources, and the registry gates), `silver` (accepted rows),
`quarantine` (rejected rows and files, with reasons), `report` (the per-source report and its
counts); `run` puts them in order."""
