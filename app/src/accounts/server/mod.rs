//! Server-only account code: sessions, password hashing, captchas, throttling, the
//! guard every server function calls, and the demo accounts.

pub mod captcha;
pub mod guard;
pub mod identity_provider;
pub mod identity_reviews;
pub mod login;
pub mod passwords;
pub mod profile;
pub mod recovery;
pub mod registration;
pub mod seed;
pub mod session;
pub mod sms_codes;
pub mod throttle;
pub mod users;
pub mod verification;
