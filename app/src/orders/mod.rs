//! Orders (订单): one per registration once it reaches 待支付, with its lines (培训费,
//! 住宿费), an unguessable number and an expiry after which an unpaid order closes and
//! frees its seat. Payment itself (scan-to-pay, bank transfer) builds on this.

pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;
