"""The outside world, wrapped: the ARI and AMI links, the FastAGI server, the store, speech, notifications,
secrets, the clock, the public-holiday calendar (the `holidays` package)."""
