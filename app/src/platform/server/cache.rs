//! A short-lived cache for public data that is the same for every visitor (the home
//! page feed, announcement lists). Entries live a few seconds, so several app servers
//! agree within that time; a write on this server clears the cache at once.

use moka::sync::Cache;
use std::{any::Any, sync::Arc, time::Duration};

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Clone)]
pub struct PublicCache {
    entries: Option<Cache<String, Entry>>,
}

impl std::fmt::Debug for PublicCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicCache").field("enabled", &self.entries.is_some()).finish()
    }
}

impl PublicCache {
    /// `ttl` zero disables caching.
    pub fn new(ttl: Duration) -> Self {
        let entries =
            (!ttl.is_zero()).then(|| Cache::builder().max_capacity(10_000).time_to_live(ttl).build());
        Self { entries }
    }

    /// The cached value for `key`, or what `load` produces (then cached).
    pub async fn get_or_load<T, E, F>(&self, key: String, load: F) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        let Some(entries) = &self.entries else {
            return load.await.map(Arc::new);
        };
        if let Some(hit) = entries.get(&key).and_then(|entry| entry.downcast::<T>().ok()) {
            return Ok(hit);
        }
        let value = Arc::new(load.await?);
        entries.insert(key, value.clone());
        Ok(value)
    }

    /// Forgets everything; called after any write to cached data.
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn caches_until_cleared() {
        let cache = PublicCache::new(Duration::from_secs(60));
        let loads = AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(42u32)
        };
        assert_eq!(*cache.get_or_load("k".into(), load()).await.unwrap(), 42);
        assert_eq!(*cache.get_or_load("k".into(), load()).await.unwrap(), 42);
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        cache.clear();
        cache.get_or_load("k".into(), load()).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_zero_ttl_disables() {
        let cache = PublicCache::new(Duration::ZERO);
        let loads = AtomicU32::new(0);
        for _ in 0..2 {
            let _ = cache
                .get_or_load("k".into(), async {
                    loads.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(1u8)
                })
                .await;
        }
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        let cache = PublicCache::new(Duration::from_secs(60));
        assert!(cache.get_or_load::<u8, _, _>("e".into(), async { Err("boom") }).await.is_err());
        assert_eq!(*cache.get_or_load("e".into(), async { Ok::<_, ()>(7u8) }).await.unwrap(), 7);
    }
}
