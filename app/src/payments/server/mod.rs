//! Server side of payments: the provider interface, the sandbox gateway, and applying
//! a confirmed payment to its order exactly once.

pub mod apply;
pub mod provider;
pub mod repo;
pub mod sandbox;
pub mod service;

use provider::PaymentProvider;
use sandbox::Sandbox;
use std::sync::Arc;

/// The configured gateway. Only the sandbox is built in today; a real gateway is
/// another `PaymentProvider` chosen here by configuration.
#[derive(Clone, Debug)]
pub struct Payments {
    sandbox: Arc<Sandbox>,
}

impl Payments {
    pub fn sandbox(sandbox: Sandbox) -> Self {
        Self { sandbox: Arc::new(sandbox) }
    }

    pub fn provider(&self) -> &dyn PaymentProvider {
        self.sandbox.as_ref()
    }

    /// The sandbox's own side (cashier page, notifier).
    pub fn sandbox_gateway(&self) -> &Sandbox {
        &self.sandbox
    }
}
