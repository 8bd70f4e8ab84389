//! Server side of online learning: the provider's courses, the trainee's study and
//! heartbeats, quizzes, and the demo courses.

pub mod courses;
pub mod heartbeats;
pub mod quiz;
pub mod seed;
pub mod study;
