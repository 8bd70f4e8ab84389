pub mod repo;
pub mod seed;
