pub mod directory;
pub mod staff;
pub mod units;

pub use units::expire_pending;
