pub mod directory;
pub mod staff;
pub mod units;
