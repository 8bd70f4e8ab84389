//! Certificates: 培训证明 for a completed class and the yearly 继续教育证书, issued on the
//! rule from the hours ledger, signed with the platform's Ed25519 key so a printed one
//! can be checked without us, verified at `/verify/{serial}`, revoked by the authority.

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use admin::{CertificateBatchPage, CertificatesAdminPage, UnitCertificatesPage};
pub use pages::{CertificateVerifyPage, MyCertificatesPage, TrainingCertificatePage, YearlyCertificatePage};
