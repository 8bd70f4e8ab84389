//! The units' console pages: the authority's 单位审核 and the unit admin's console.

pub mod console;
pub mod review;
