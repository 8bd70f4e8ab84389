//! Who checks a 实名认证 submission: the identity-provider interface. The default,
//! [`ReviewQueue`], leaves every submission to a person (实名审核 in the admin console:
//! the platform admin or the authority); [`Sandbox`] accepts at once, for development
//! and the demo. A real identity service (an ID-card and face check) is another
//! implementation chosen by `XUESHI_IDENTITY_PROVIDER`.

use crate::{
    accounts::domain::identity::IdNumber,
    error::AppResult,
    platform::server::config::{Config, IdentityProviderKind},
};
use futures::future::BoxFuture;

/// What was submitted: the claimed identity and the stored photos of both sides.
#[derive(Debug)]
pub struct IdentitySubmission<'a> {
    pub user_id: i64,
    pub id_number: &'a IdNumber,
    pub name: &'a str,
    pub front_file_id: &'a str,
    pub back_file_id: &'a str,
}

/// The provider's answer. It is asked before the submission is recorded (outside any
/// transaction: a real service is a network call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityDecision {
    /// The identity is confirmed: the account is verified at once.
    Verified,
    /// The identity does not check out; the reason is shown to the trainee, who may
    /// submit again.
    Refused(String),
    /// A person decides later (实名审核).
    Review,
}

pub trait IdentityProvider: Send + Sync + std::fmt::Debug {
    /// Stored with each submission (`identity_reviews.provider`).
    fn name(&self) -> &'static str;

    fn check<'a>(
        &'a self,
        submission: &'a IdentitySubmission<'a>,
    ) -> BoxFuture<'a, AppResult<IdentityDecision>>;
}

/// Every submission waits for a reviewer.
#[derive(Debug)]
pub struct ReviewQueue;

impl IdentityProvider for ReviewQueue {
    fn name(&self) -> &'static str {
        "review"
    }

    fn check<'a>(&'a self, _: &'a IdentitySubmission<'a>) -> BoxFuture<'a, AppResult<IdentityDecision>> {
        Box::pin(async { Ok(IdentityDecision::Review) })
    }
}

/// Accepts every well-formed submission at once. It checks nothing a person would, so
/// production refuses it unless a staging server asks for it (see the configuration).
#[derive(Debug)]
pub struct Sandbox;

impl IdentityProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn check<'a>(&'a self, _: &'a IdentitySubmission<'a>) -> BoxFuture<'a, AppResult<IdentityDecision>> {
        Box::pin(async { Ok(IdentityDecision::Verified) })
    }
}

/// The provider this configuration names.
pub fn for_config(config: &Config) -> &'static dyn IdentityProvider {
    match config.identity_provider {
        IdentityProviderKind::Review => &ReviewQueue,
        IdentityProviderKind::Sandbox => &Sandbox,
    }
}
