-- Rate-limit token buckets shared by every server process on this
-- database, so a limit holds however a balancer spreads the requests.
-- `tokens` as of `at` (microseconds since the epoch); a bucket idle long
-- enough to be full is the same as no bucket and is purged.
CREATE TABLE rate_buckets (
    key    TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX rate_buckets_at ON rate_buckets (at);
