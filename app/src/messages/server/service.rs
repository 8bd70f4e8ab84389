//! Sending a message: the 消息 list and the SMS, in the caller's transaction.

use super::repo;
use crate::messages::domain::Outgoing;
use crate::state::AppState;
use crate::{error::AppResult, platform::server::db::Tx};

/// Puts a message in the user's 消息 list and sends its text by SMS (through the
/// messenger, so the default provider writes it to the outbox), inside `tx`.
pub async fn send(tx: &mut Tx, state: &AppState, message: Outgoing<'_>) -> AppResult<()> {
    repo::insert(tx, &message).await?;
    if let Some(phone) = message.phone.filter(|p| !p.is_empty()) {
        state.messenger.sms(tx, phone, message.body).await?;
    }
    Ok(())
}
