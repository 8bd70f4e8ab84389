//! How pages load their data: [`PageData`], a future started once per render and
//! awaited by the page's `Suspend`.
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
    /// Starts nothing yet: the future runs when the page's `Suspend` first awaits it,
    /// inside the render (where the request's context is).
    pub fn new(load: impl Future<Output = T> + Send + 'static) -> Self {
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
