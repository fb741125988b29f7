"""One reader per file kind; each turns a file into Parts (io/part.py) of raw figures."""
