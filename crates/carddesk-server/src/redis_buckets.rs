//! Rate-limit buckets in Redis, for deployments that run several server
//! processes and would rather not have every limited request write to
//! PostgreSQL. One Lua script per token: Redis runs a script alone, so
//! reading the bucket, refilling it, taking the token and writing it back
//! is one atomic step however many servers ask at once, on Redis's own
//! clock (`TIME`), so servers whose clocks disagree still share one
//! refill. A bucket not touched until it would be full again expires: the
//! same as no bucket.

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

/// The token bucket, in Lua: `KEYS[1]` the bucket, `ARGV[1]` its capacity,
/// `ARGV[2]` tokens back per millisecond. Returns 0 when a token was taken,
/// else the milliseconds until one is back.
const TAKE: &str = r"
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1])
local at = tonumber(bucket[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_ms) + 1000)
return wait
";

/// How long a request waits for Redis before its own process decides.
const ANSWER_WITHIN: Duration = Duration::from_millis(200);

/// Where every key this server writes begins.
const PREFIX: &str = "carddesk:rate:";

/// A connection to the Redis that holds the buckets (reconnecting by
/// itself after a failure), and the script.
#[derive(Clone)]
pub struct RedisBuckets {
    connection: ConnectionManager,
    script: std::sync::Arc<Script>,
}

impl std::fmt::Debug for RedisBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: it is not kept, let alone printed.
        f.write_str("RedisBuckets")
    }
}

impl RedisBuckets {
    /// Connects to `url` (`redis://`); an unreachable Redis is an error
    /// here, at start, not a silent fallback.
    pub async fn connect(url: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let connection = ConnectionManager::new(client).await?;
        Ok(Self {
            connection,
            script: std::sync::Arc::new(Script::new(TAKE)),
        })
    }

    /// Takes a token from the bucket `name` (`capacity` tokens, refilled
    /// at `per_second`): `None`, or how long until one is back.
    pub async fn take(
        &self,
        name: &str,
        capacity: f64,
        per_second: f64,
    ) -> redis::RedisResult<Option<Duration>> {
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{PREFIX}{name}"));
        invocation.arg(capacity).arg(per_second / 1000.0);
        // A Redis that is reconnecting must not hold every limited request
        // up: past this, the process's own bucket decides.
        let wait_ms: u64 = tokio::time::timeout(
            ANSWER_WITHIN,
            invocation.invoke_async::<u64>(&mut connection),
        )
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "no answer in time")))??;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }
}
