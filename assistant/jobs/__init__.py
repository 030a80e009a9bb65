"""Many documents through the one task pipeline (tasks.dispatch.run_task), beyond one process.

inputs (the files of a batch) → plan (a source into work items: long PDFs into page ranges) → an engine
(local: a pool of worker processes; ray: a Ray cluster) running work.run_item in its workers → pipeline (the
parts of each document joined into its row) → output (JSONL/CSV with resume) for `doc-assistant batch`, or
the job store (memory or Redis) for the API's jobs (runner).
"""
