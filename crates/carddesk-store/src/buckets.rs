//! Token buckets in the database, for rate limits that hold across every
//! server process sharing it. Taking a token is one statement: the bucket
//! is refilled for the time since it was last touched, capped at its
//! capacity, and a token taken only if one is there, all under the row's
//! lock, so racing requests (on one server or many) never take the same
//! token twice. SQL both backends share (`bucket_queries!`, used beside
//! `backend!`); they differ only in the names of `least` and `greatest`.

/// Implements the buckets for one database type.
macro_rules! bucket_queries {
    (store = $store:ident, least = $least:literal, greatest = $greatest:literal $(,)?) => {
        impl $store {
            pub(crate) async fn take_token(
                &self,
                key: &str,
                capacity: f64,
                per_second: f64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> crate::Result<Option<std::time::Duration>> {
                use crate::rows::micros;
                let per_micro = per_second / 1e6;
                let now = micros(now);
                // The refilled level, as of now.
                macro_rules! level {
                    () => {
                        concat!(
                            $least,
                            "($2, rate_buckets.tokens + ",
                            $greatest,
                            "(0, $4 - rate_buckets.at) * $3)"
                        )
                    };
                }
                let taken = sqlx::query(concat!(
                    "INSERT INTO rate_buckets (key, tokens, at) VALUES ($1, $2 - 1, $4) \
                     ON CONFLICT (key) DO UPDATE SET tokens = ",
                    level!(),
                    " - 1, \
                     at = ",
                    $greatest,
                    "(rate_buckets.at, $4) \
                     WHERE ",
                    level!(),
                    " >= 1"
                ))
                .bind(key)
                .bind(capacity)
                .bind(per_micro)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1;
                if taken {
                    return Ok(None);
                }
                // Refused: how long until a whole token is back.
                let (tokens, at): (f64, i64) =
                    sqlx::query_as("SELECT tokens, at FROM rate_buckets WHERE key = $1")
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?
                        .unwrap_or((capacity, now));
                let level = (tokens + (now - at).max(0) as f64 * per_micro).min(capacity);
                let wait = ((1.0 - level) / per_second).max(0.0);
                Ok(Some(std::time::Duration::from_secs_f64(wait)))
            }

            pub(crate) async fn purge_buckets(
                &self,
                idle_since: chrono::DateTime<chrono::Utc>,
            ) -> crate::Result<u64> {
                Ok(sqlx::query("DELETE FROM rate_buckets WHERE at < $1")
                    .bind(crate::rows::micros(idle_since))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(crate) use bucket_queries;
