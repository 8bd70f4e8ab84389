//! Units (法人单位): registration and the authority's review, the public directory
//! of regions, units and departments used when people join a unit, and the unit
//! admin's console (staff approval, staff list and import, departments, managers).

pub mod admin;
pub mod api;
pub mod domain;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;
