//! The site's home page (首页). It shows other features' data (the announcement feed,
//! the open classes) through their own server functions, so it has none of its own.

pub mod pages;

pub use pages::HomePage;
