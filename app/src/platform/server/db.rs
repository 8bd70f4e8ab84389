//! One database layer for both engines: sqlx's `Any` driver with portable SQL
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`), integers for times and booleans.
//!
//! SQLite allows one writer at a time. Rather than let concurrent write transactions
//! fail with SQLITE_BUSY, every write goes through `writer`, a pool of one
//! connection, so writes queue in the application; reads use the wider `reader` pool
//! (WAL mode lets them run beside the writer). On PostgreSQL both are the same pool
//! and concurrent writers rely on row locks and conditional updates.

use sqlx::{
    Any, AnyPool, Executor, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
};
use std::{str::FromStr, time::Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    reader: AnyPool,
    writer: AnyPool,
    engine: Engine,
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = sqlite_url(url)?;
            let options = AnyConnectOptions::from_str(&url)?;
            let pool_options = || {
                AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10)).after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA busy_timeout = 5000",
                            "PRAGMA foreign_keys = ON",
                            // FULL: a commit is on disk (WAL fsynced) before it is answered.
                            // NORMAL can lose the last commits on an OS crash or power cut,
                            // among them a payment already acknowledged to the gateway.
                            "PRAGMA synchronous = FULL",
                        ] {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                })
            };
            let writer = pool_options().max_connections(1).connect_with(options.clone()).await?;
            let reader = pool_options().max_connections(max_connections).connect_with(options).await?;
            Ok(Self { reader, writer, engine: Engine::Sqlite })
        } else {
            let pool = AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Self { reader: pool.clone(), writer: pool, engine: Engine::Postgres })
        }
    }

    /// This engine's migrations, embedded at build time.
    pub fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.engine {
            Engine::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("../migrations/postgres"),
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        self.migrator().run(&self.writer).await
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// For queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// For single-statement writes.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// A transaction for a multi-step write.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.writer.begin().await
    }

    /// What a `SELECT` appends to lock the rows it reads until the transaction ends:
    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose one writer already runs
    /// write transactions one at a time.
    pub fn row_lock(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE",
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.reader).await.is_ok()
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// `$first, $first+1, …` for `count` bound values (an `IN (…)` list).
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// `($1, $2), ($3, $4), …` for `rows` tuples of `width` bound values (a `VALUES` list).
pub fn tuples(rows: usize, width: usize) -> String {
    (0..rows).map(|row| format!("({})", placeholders(row * width + 1, width))).collect::<Vec<_>>().join(", ")
}

/// Adds `mode=rwc` (create if missing) to a file URL and creates its folder.
fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        // Each pooled connection would get its own empty in-memory database.
        return Err(sqlx::Error::Configuration(
            "XUESHI_DATABASE_URL: use a SQLite file, not an in-memory database".into(),
        ));
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| sqlx::Error::Configuration(e.into()))?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Whether an error is a unique-constraint violation (the same on both engines).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_commits_are_synced_before_they_are_answered() {
        let dir = std::env::temp_dir().join(format!("xueshi-db-{}", uuid::Uuid::new_v4()));
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.display()), 2).await.unwrap();
        // 2 = FULL, on the connection every write goes through and on the readers.
        let writer: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(db.writer()).await.unwrap();
        let reader: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(db.reader()).await.unwrap();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!((writer, reader), (2, 2));
    }

    #[test]
    fn placeholders_number_the_values_of_each_row() {
        assert_eq!(placeholders(3, 2), "$3, $4");
        assert_eq!(tuples(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
