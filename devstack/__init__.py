"""The local stack without Docker, for `docparse up`, the tests and bench/: ports (free ports),
processes (spawn, stop), server (the shared lifecycle), temporal and s3 (the two servers), up."""
