//! How pages load their data: [`PageData`], a future started once per render (on the
//! server, as a task of its own) and awaited by the page's `Suspend`.
//!
//! Why not leptos's `Resource`: pages render on the server only (islands), so what a
//! resource adds — serialising its value for hydration, reloading when its source
//! changes — is never used, and its async machinery was seen to leave a concurrent
//! server render waiting forever (a page's `<Suspense>` never resolved: about one
//! render in a few thousand, under load from several runtimes; reproduced by
//! `server/tests/stress.rs`, gone with plain futures).

use futures::future::{BoxFuture, FutureExt, Shared};
use leptos::prelude::*;
use std::future::IntoFuture;

/// A page's data: `Copy`, so `move ||` view closures can await it like a resource;
/// loaded once however many times the view awaits it.
pub struct PageData<T: Clone + Send + Sync + 'static>(StoredValue<Shared<BoxFuture<'static, T>>>);

impl<T: Clone + Send + Sync + 'static> Clone for PageData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Clone + Send + Sync + 'static> Copy for PageData<T> {}

impl<T: Clone + Send + Sync + 'static> PageData<T> {
    /// On the server the load starts at once as a task of its own, under the
    /// component's reactive owner (so it sees the request's context). The render only
    /// waits for its result: a render polls futures with a no-op waker while it looks for
    /// pending work, and a database query polled that way held its pooled connection,
    /// or its place in the pool's queue, until the render came back to it; under load
    /// the pool ran dry and pages waited for the 10 s acquire timeout.
    pub fn new(load: impl Future<Output = T> + Send + 'static) -> Self {
        // Outside a runtime (a component rendered synchronously) it stays lazy.
        #[cfg(feature = "ssr")]
        if tokio::runtime::Handle::try_current().is_ok() {
            let (sender, receiver) = futures::channel::oneshot::channel();
            tokio::spawn(leptos::reactive::computed::ScopedFuture::new_untracked(async move {
                let _ = sender.send(load.await);
            }));
            let result = async move { receiver.await.expect("the page data task ended without a value") };
            return Self(StoredValue::new(result.boxed().shared()));
        }
        Self(StoredValue::new(load.boxed().shared()))
    }
}

impl<T: Clone + Send + Sync + 'static> IntoFuture for PageData<T> {
    type Output = T;
    type IntoFuture = Shared<BoxFuture<'static, T>>;

    fn into_future(self) -> Self::IntoFuture {
        self.0.get_value()
    }
}
