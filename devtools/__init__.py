"""Development only: the demo builder, `seed_demo`, sample files, benchmarks. Not in production."""
