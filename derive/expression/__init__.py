"""Plain expressions: safe parsing into a computational graph (``parse``) and derivations,
path sums and forward/reverse mode over it (``derive``)."""
