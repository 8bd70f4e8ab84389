//! SMS and e-mail behind one provider interface. Messages are handed over inside the
//! caller's transaction, so a message exists exactly when the change it announces was
//! committed. The development provider keeps each message in the `outbox` table (read
//! by the platform admin at /admin/outbox); a real gateway implements
//! [`MessageProvider`] the same way (and a worker sends from the outbox).
//!
//! Bodies carry SMS codes and one-time passwords, so they never reach the log: a
//! message is logged by its channel, title and masked recipient ([`Message::log_fields`]).
//! A production-mode server refuses to start with the outbox as its SMS provider unless
//! `XUESHI_SMS_OUTBOX_IN_PRODUCTION=staging` says it is a staging server.

use super::{config::Config, db::Tx};
use crate::platform::{text::mask_phone, time::now_ms};
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
    /// The e-mail's subject; for an SMS, the template's title (注册验证码, 短信通知…).
    pub subject: String,
    pub body: String,
}

/// What the log may say about a message: never its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFields {
    pub channel: &'static str,
    pub recipient: String,
    pub title: String,
}

impl Message {
    pub fn log_fields(&self) -> LogFields {
        LogFields {
            channel: self.channel.code(),
            recipient: mask_recipient(self.channel, &self.recipient),
            title: self.subject.clone(),
        }
    }
}

/// 138****0011 for a phone, z***@example.cn for an address.
pub fn mask_recipient(channel: Channel, recipient: &str) -> String {
    match channel {
        Channel::Sms => mask_phone(recipient),
        Channel::Email => match recipient.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        },
    }
}

/// The title of an SMS whose caller named none.
pub const DEFAULT_SMS_TITLE: &str = "短信通知";

type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;

pub trait MessageProvider: Send + Sync + Debug {
    fn deliver<'a>(&'a self, tx: &'a mut Tx, message: &'a Message) -> Delivery<'a>;
}

/// The development provider: the outbox table (and a log line without the body).
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
            let fields = message.log_fields();
            tracing::info!(
                channel = fields.channel,
                recipient = %fields.recipient,
                title = %fields.title,
                "message queued in the outbox"
            );
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

    /// The providers for this configuration. The outbox is the only SMS provider so
    /// far and keeps codes readable in the database, so production mode refuses it
    /// unless the server is named a staging server.
    pub fn for_config(config: &Config) -> Result<Self, String> {
        if config.is_production() && !config.sms_outbox_in_production {
            return Err("XUESHI_ENV=production needs a real SMS provider: the outbox keeps SMS codes \
                 readable in the database and is for development. For a staging server set \
                 XUESHI_SMS_OUTBOX_IN_PRODUCTION=staging"
                .to_owned());
        }
        Ok(Self::outbox())
    }

    pub async fn sms(&self, tx: &mut Tx, phone: &str, text: &str) -> Result<(), sqlx::Error> {
        self.sms_titled(tx, phone, DEFAULT_SMS_TITLE, text).await
    }

    /// An SMS with the title of its template, which the log and the production outbox show.
    pub async fn sms_titled(
        &self,
        tx: &mut Tx,
        phone: &str,
        title: &str,
        text: &str,
    ) -> Result<(), sqlx::Error> {
        let message = Message {
            channel: Channel::Sms,
            recipient: phone.to_owned(),
            subject: title.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_fields_never_carry_the_body() {
        let message = Message {
            channel: Channel::Sms,
            recipient: "13800000011".into(),
            subject: "注册验证码".into(),
            body: "【学时】您的注册验证码为493027，5分钟内有效。".into(),
        };
        let fields = message.log_fields();
        assert_eq!(
            fields,
            LogFields { channel: "sms", recipient: "138****0011".into(), title: "注册验证码".into() }
        );
        let logged = format!("{fields:?}");
        assert!(!logged.contains("493027") && !logged.contains("13800000011"), "{logged}");
    }

    #[test]
    fn recipients_are_masked() {
        assert_eq!(mask_recipient(Channel::Sms, "13800000011"), "138****0011");
        assert_eq!(mask_recipient(Channel::Sms, "1€0000000"), "***");
        assert_eq!(mask_recipient(Channel::Email, "zhang.san@example.cn"), "z***@example.cn");
        assert_eq!(mask_recipient(Channel::Email, "张三@example.cn"), "张***@example.cn");
        assert_eq!(mask_recipient(Channel::Email, "nobody"), "***");
    }

    #[test]
    fn production_refuses_the_outbox_unless_staging() {
        let secret = "s".repeat(40);
        assert!(Messenger::for_config(&Config::from_pairs([]).unwrap()).is_ok());
        let production =
            Config::from_pairs([("env", "production"), ("session_secret", secret.as_str())]).unwrap();
        let refused = Messenger::for_config(&production).unwrap_err();
        assert!(refused.contains("XUESHI_SMS_OUTBOX_IN_PRODUCTION"), "{refused}");
        let staging = Config::from_pairs([
            ("env", "production"),
            ("session_secret", secret.as_str()),
            ("sms_outbox_in_production", "staging"),
        ])
        .unwrap();
        assert!(Messenger::for_config(&staging).is_ok());
        assert!(Config::from_pairs([("sms_outbox_in_production", "yes")]).is_err());
    }
}
