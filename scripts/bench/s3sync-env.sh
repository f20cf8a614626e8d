# Settings s3sync reads from the environment for the benchmark, the same the
# peers get as flags: public-read (s3sync's default ACL), the harness's
# Cache-Control, path-style addressing against the endpoint the harness gives.
# Sourced by bench.sh; the endpoint comes from peers.sh at run time.
export AWS_S3_ADDRESSING_STYLE=path
export AWS_S3_OBJECT_PARAMETERS="{\"CacheControl\": \"$BENCH_CACHE_CONTROL\"}"
