//! What the outbox shows to whom.

use crate::admin::{api::OutboxMessage, domain::BODY_HIDDEN};
use crate::platform::server::messaging::{Channel, mask_recipient};

/// Outside production the message as it was sent; in production mode its body is
/// replaced and its recipient masked.
pub fn for_viewer(message: OutboxMessage, production: bool) -> OutboxMessage {
    if !production {
        return message;
    }
    let channel = if message.channel == "sms" { Channel::Sms } else { Channel::Email };
    OutboxMessage {
        recipient: mask_recipient(channel, &message.recipient),
        body: BODY_HIDDEN.to_owned(),
        ..message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_shows_no_body_and_a_masked_recipient() {
        let message = OutboxMessage {
            id: 1,
            channel: "sms".into(),
            recipient: "13800000011".into(),
            subject: "注册验证码".into(),
            body: "【学时】您的注册验证码为493027".into(),
            created_at: 0,
        };
        assert_eq!(for_viewer(message.clone(), false), message);
        let shown = for_viewer(message, true);
        assert_eq!(shown.recipient, "138****0011");
        assert_eq!(shown.subject, "注册验证码");
        assert_eq!(shown.body, BODY_HIDDEN);
    }
}
