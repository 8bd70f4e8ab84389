//! Server side of enrolment: the SQL (`repo`) and the steps that write (`service`).
//! Other features take and give back seats through `free_seat`.

pub mod repo;
pub mod service;

pub use repo::free_seat;
pub use service::Submission;
