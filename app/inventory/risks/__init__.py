"""A product's hazards and risk controls (ISO 14971, IEC 62304 7.1-7.3) and the SOUP items that can contribute to
them: kept here or synchronised with a risk file kept elsewhere through a CSV/XLSX hazard list."""
