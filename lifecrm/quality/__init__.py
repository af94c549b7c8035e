"""Data quality: Great Expectations suites run against raw tables."""
