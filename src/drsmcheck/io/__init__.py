"""Reading datasets: discovery (discover.py), the header (header.py), one reader per file kind
(datasets/), vectorized number parsing (parse.py) and the columnar build of the figures table
(build.py). `drsmcheck.loader.load_figures` is the entry point the pipeline calls."""
