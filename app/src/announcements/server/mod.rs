pub mod markdown;
pub mod repo;
pub mod seed;
