"""Demo data for trying the system and for benchmarks; listed last among the apps, it may import any of them."""
