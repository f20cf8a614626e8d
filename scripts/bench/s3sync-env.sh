# Settings s3sync reads from the environment for the benchmark, the same the
# peers get as flags: public-read (s3sync's default ACL), the harness's
# Cache-Control, path-style addressing. The endpoint comes from the template.
export S3SYNC_CONFIG="$BENCH_HOME/s3sync-bench.toml"
export AWS_S3_ADDRESSING_STYLE=path
export AWS_S3_OBJECT_PARAMETERS="{\"CacheControl\": \"$BENCH_CACHE_CONTROL\"}"
