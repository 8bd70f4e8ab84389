//! A message the platform sends: to the user's 消息 list, and by SMS.

/// A message for one user's 消息 list, and by SMS when a phone is given.
pub struct Outgoing<'a> {
    pub user_id: i64,
    pub phone: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
    /// Where the message leads (a path of this site).
    pub link: &'a str,
    /// The request's time, like every other write of the request.
    pub at: i64,
}
