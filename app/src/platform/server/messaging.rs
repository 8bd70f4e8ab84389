//! SMS and e-mail behind one provider interface. Messages are handed over inside the
//! caller's transaction, so a message exists exactly when the change it announces was
//! committed. The default provider keeps each message in the `outbox` table (read by
//! the platform admin at /admin/outbox) and writes it to the log; a real gateway
//! implements [`MessageProvider`] the same way (and a worker sends from the outbox).

use super::db::Tx;
use crate::platform::time::now_ms;
use std::{fmt::Debug, pin::Pin, sync::Arc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Message {
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;

pub trait MessageProvider: Send + Sync + Debug {
    fn deliver<'a>(&'a self, tx: &'a mut Tx, message: &'a Message) -> Delivery<'a>;
}

/// The default: the outbox table and the log.
#[derive(Debug, Default)]
pub struct OutboxProvider;

impl MessageProvider for OutboxProvider {
    fn deliver<'a>(&'a self, tx: &'a mut Tx, message: &'a Message) -> Delivery<'a> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(message.channel.code())
            .bind(&message.recipient)
            .bind(&message.subject)
            .bind(&message.body)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            tracing::info!(channel = message.channel.code(), recipient = %message.recipient, body = %message.body, "message queued in the outbox");
            Ok(())
        })
    }
}

#[derive(Clone, Debug)]
pub struct Messenger {
    sms: Arc<dyn MessageProvider>,
    email: Arc<dyn MessageProvider>,
}

impl Messenger {
    pub fn outbox() -> Self {
        Self { sms: Arc::new(OutboxProvider), email: Arc::new(OutboxProvider) }
    }

    pub async fn sms(&self, tx: &mut Tx, phone: &str, text: &str) -> Result<(), sqlx::Error> {
        let message = Message {
            channel: Channel::Sms,
            recipient: phone.to_owned(),
            subject: String::new(),
            body: format!("【学时】{text}"),
        };
        self.sms.deliver(tx, &message).await
    }

    pub async fn email(&self, tx: &mut Tx, to: &str, subject: &str, body: &str) -> Result<(), sqlx::Error> {
        if to.is_empty() {
            return Ok(());
        }
        let message = Message {
            channel: Channel::Email,
            recipient: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        self.email.deliver(tx, &message).await
    }
}
