//! Certificates on the server: the signing keys, the rows, issuing and revoking, the PDF.

pub mod batches;
pub mod keys;
pub mod pdf;
pub mod repo;
pub mod seed;
pub mod service;
