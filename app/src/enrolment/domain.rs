//! The life of a registration (报名) and the tags users see: one explicit state
//! machine. Pages show [`Status::label`]; the server applies [`Status::apply`] and
//! stores the result only when the transition is allowed.

use crate::{
    catalogue::domain::Lodging,
    error::{AppResult, Validation},
    platform::money::Fen,
};
use serde::{Deserialize, Serialize};

/// How long the 报名须知 must be on screen before "我已知晓" counts.
pub const NOTICE_READING_MS: i64 = 10_000;
/// A notice left unanswered this long must be issued again.
pub const NOTICE_VALID_MS: i64 = 2 * 60 * 60 * 1000;
pub const REJECT_REASON_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 审核中: waiting for the provider's review.
    UnderReview,
    /// 审核不通过: rejected with a reason; "重新报名" resubmits.
    Rejected,
    /// 待支付: accepted, an order waits for payment.
    AwaitingPayment,
    /// 已支付: paid, not yet attended.
    Paid,
    /// 已完成: attended (checked in, or finished the online class).
    Completed,
    /// 退款审核中.
    RefundReview,
    /// 已退款: fully refunded; the seat is free again.
    Refunded,
    /// 退款失败: the refund was refused; the registration stays paid.
    RefundFailed,
    /// 已过期: the class or exam ended before the registration was used.
    Expired,
}

/// What can happen to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The provider approves the registration.
    Approve,
    /// The provider rejects it (the reason is stored beside the status).
    Reject,
    /// The trainee submits again after a rejection ("重新报名").
    Resubmit { needs_review: bool },
    /// The payment arrived.
    PaymentConfirmed,
    /// The unpaid order closed, or the class ended before the registration was used.
    Expire,
    /// The trainee attended (checked in) or finished the online class.
    Complete,
    /// The trainee asks for a refund (退款申请).
    RequestRefund,
    /// Finance approved and the gateway confirmed the refund.
    Refunded { full: bool },
    /// Finance refused the refund.
    RefundRefused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: Status,
    pub event: Event,
}

impl TransitionRefused {
    /// What the user is told.
    pub fn message(&self) -> String {
        format!("当前状态为“{}”，不能{}", self.from.label(), self.event.action_label())
    }
}

impl Event {
    fn action_label(self) -> &'static str {
        match self {
            Self::Approve => "审核通过",
            Self::Reject => "驳回",
            Self::Resubmit { .. } => "重新报名",
            Self::PaymentConfirmed => "确认支付",
            Self::Expire => "设为过期",
            Self::Complete => "设为已完成",
            Self::RequestRefund => "申请退款",
            Self::Refunded { .. } => "完成退款",
            Self::RefundRefused => "拒绝退款",
        }
    }
}

impl Status {
    pub const ALL: [Status; 9] = [
        Self::UnderReview,
        Self::Rejected,
        Self::AwaitingPayment,
        Self::Paid,
        Self::Completed,
        Self::RefundReview,
        Self::Refunded,
        Self::RefundFailed,
        Self::Expired,
    ];

    /// The status of a new registration.
    pub fn initial(needs_review: bool) -> Self {
        if needs_review { Self::UnderReview } else { Self::AwaitingPayment }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::UnderReview => "under_review",
            Self::Rejected => "rejected",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Completed => "completed",
            Self::RefundReview => "refund_review",
            Self::Refunded => "refunded",
            Self::RefundFailed => "refund_failed",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The tag users see (审核中, 待支付, 已报名, …).
    pub fn label(self) -> &'static str {
        match self {
            Self::UnderReview => "审核中",
            Self::Rejected => "审核不通过",
            Self::AwaitingPayment => "待支付",
            Self::Paid => "已支付",
            Self::Completed => "已完成",
            Self::RefundReview => "退款审核中",
            Self::Refunded => "已退款",
            Self::RefundFailed => "退款失败",
            Self::Expired => "已过期",
        }
    }

    /// Whether the registration holds a seat of its session. A user has at most one
    /// registration per session that holds a seat.
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            Self::UnderReview
                | Self::AwaitingPayment
                | Self::Paid
                | Self::Completed
                | Self::RefundReview
                | Self::RefundFailed
        )
    }

    /// Whether the registration counts as an order (待支付 and after).
    pub fn is_order(self) -> bool {
        !matches!(self, Self::UnderReview | Self::Rejected)
    }

    /// The next status, or why not.
    pub fn apply(self, event: Event) -> Result<Status, TransitionRefused> {
        use Status::*;
        let next = match (self, event) {
            (UnderReview, Event::Approve) => AwaitingPayment,
            (UnderReview, Event::Reject) => Rejected,
            (Rejected, Event::Resubmit { needs_review }) => Status::initial(needs_review),
            (AwaitingPayment, Event::PaymentConfirmed) => Paid,
            (UnderReview | Rejected | AwaitingPayment | Paid | RefundFailed, Event::Expire) => Expired,
            (Paid | RefundFailed, Event::Complete) => Completed,
            (Paid | RefundFailed, Event::RequestRefund) => RefundReview,
            (RefundReview, Event::Refunded { full: true }) => Refunded,
            // A partial refund (accommodation only) keeps the place in the class.
            (RefundReview, Event::Refunded { full: false }) => Paid,
            (RefundReview, Event::RefundRefused) => RefundFailed,
            (from, event) => return Err(TransitionRefused { from, event }),
        };
        Ok(next)
    }

    /// The status to show and act on: a registration not yet used when its session
    /// has ended is 已过期, whatever it was before ("如过了考试时间后，所有数据都会显示在已过期中").
    pub fn effective(self, session_ended: bool) -> Status {
        if session_ended { self.apply(Event::Expire).unwrap_or(self) } else { self }
    }

    /// Tailwind classes of the tag.
    pub fn tag_class(self) -> &'static str {
        match self {
            Self::UnderReview | Self::RefundReview => "bg-amber-50 text-amber-800 ring-amber-200",
            Self::Rejected | Self::RefundFailed => "bg-red-50 text-red-700 ring-red-200",
            Self::AwaitingPayment => "bg-blue-50 text-blue-700 ring-blue-200",
            Self::Paid | Self::Completed => "bg-green-50 text-green-700 ring-green-200",
            Self::Refunded | Self::Expired => "bg-slate-100 text-slate-600 ring-slate-200",
        }
    }
}

crate::stored_code!(Status);

/// Whether "我已知晓" came soon enough after the notice was issued, and not too late.
pub fn notice_acknowledged_in_time(issued_at: i64, now: i64) -> Result<(), &'static str> {
    if now - issued_at < NOTICE_READING_MS {
        Err("请认真阅读报名须知，10秒后才能确认")
    } else if now - issued_at > NOTICE_VALID_MS {
        Err("报名须知已过期，请重新提交订单")
    } else {
        Ok(())
    }
}

pub const JOB_TITLE_MAX_CHARS: usize = 50;
pub const JOINT_NOTE_MAX_CHARS: usize = 500;

/// The registration form (提交订单) as posted; the photo travels beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationForm {
    pub session_id: String,
    pub job_title: String,
    pub lodging: String,
    pub exam_subjects: Vec<String>,
    pub exam_type: String,
    pub invoice_title_id: String,
    pub joint_invoice_note: String,
}

/// What a class asks of its registrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassRules {
    pub needs_job_title: bool,
    pub needs_photo: bool,
    pub lodgings: Vec<Lodging>,
    pub exam_subjects: Vec<String>,
    pub exam_types: Vec<String>,
    pub session_ids: Vec<i64>,
}

/// A checked registration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub session_id: i64,
    pub job_title: String,
    pub lodging: Option<Lodging>,
    pub exam_subjects: Vec<String>,
    pub exam_type: String,
    pub invoice_title_id: Option<i64>,
    pub joint_invoice_note: String,
}

/// Checks the form against the class (职务 required where asked, 住宿
/// required where offered, subjects and type from the class's lists).
pub fn check_application(
    form: &ApplicationForm,
    rules: &ClassRules,
    has_photo: bool,
) -> AppResult<Application> {
    let mut v = Validation::new();
    let session_id = form.session_id.trim().parse::<i64>().ok().filter(|id| rules.session_ids.contains(id));
    v.check(session_id.is_some(), "session_id", "请选择报名期次");
    let job_title = form.job_title.trim().to_owned();
    v.check(!rules.needs_job_title || !job_title.is_empty(), "job_title", "请填写您的最新职务");
    v.check(job_title.chars().count() <= JOB_TITLE_MAX_CHARS, "job_title", "职务不超过50个字");
    let lodging = rules.lodgings.iter().find(|l| l.name == form.lodging.trim()).cloned();
    v.check(rules.lodgings.is_empty() || lodging.is_some(), "lodging", "请选择住宿");
    let mut subjects: Vec<String> = Vec::new();
    for subject in &form.exam_subjects {
        if rules.exam_subjects.contains(subject) && !subjects.contains(subject) {
            subjects.push(subject.clone());
        }
    }
    v.check(
        rules.exam_subjects.is_empty()
            || (!subjects.is_empty() && subjects.len() == form.exam_subjects.len()),
        "exam_subjects",
        "请选择考试科目",
    );
    let exam_type = form.exam_type.trim().to_owned();
    v.check(
        rules.exam_types.is_empty() || rules.exam_types.contains(&exam_type),
        "exam_type",
        "请选择考试类型",
    );
    v.check(!rules.needs_photo || has_photo, "photo", "请上传一寸白底免冠证件照");
    let invoice_title_id = match form.invoice_title_id.trim() {
        "" => None,
        id => {
            let parsed = id.parse::<i64>().ok();
            v.check(parsed.is_some(), "invoice_title_id", "请选择发票抬头");
            parsed
        }
    };
    let joint_invoice_note = form.joint_invoice_note.trim().to_owned();
    v.check(
        joint_invoice_note.chars().count() <= JOINT_NOTE_MAX_CHARS,
        "joint_invoice_note",
        "同单位合开备注不超过500字",
    );
    v.finish()?;
    Ok(Application {
        session_id: session_id.expect("checked"),
        job_title,
        lodging,
        exam_subjects: subjects,
        exam_type: if rules.exam_types.is_empty() { String::new() } else { exam_type },
        invoice_title_id,
        joint_invoice_note,
    })
}

/// 培训费 + 住宿费; `None` only if the sum overflows.
pub fn total_fen(fee_fen: Fen, lodging_price_fen: Fen) -> Option<Fen> {
    fee_fen.checked_add(lodging_price_fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(amount: i64) -> Fen {
        Fen::new(amount).unwrap()
    }

    fn rules() -> ClassRules {
        ClassRules {
            needs_job_title: true,
            needs_photo: true,
            lodgings: vec![Lodging { name: "标准间".into(), price_fen: fen(30_000) }],
            exam_subjects: vec!["监理概论".into(), "合同管理".into()],
            exam_types: vec!["初次考试".into(), "补考".into()],
            session_ids: vec![7, 8],
        }
    }

    fn form() -> ApplicationForm {
        ApplicationForm {
            session_id: "8".into(),
            job_title: " 总监理工程师 ".into(),
            lodging: "标准间".into(),
            exam_subjects: vec!["合同管理".into()],
            exam_type: "补考".into(),
            invoice_title_id: "3".into(),
            joint_invoice_note: String::new(),
        }
    }

    #[test]
    fn a_complete_application_passes() {
        let app = check_application(&form(), &rules(), true).unwrap();
        assert_eq!(app.session_id, 8);
        assert_eq!(app.job_title, "总监理工程师");
        assert_eq!(app.lodging.unwrap().price_fen, fen(30_000));
        assert_eq!(app.invoice_title_id, Some(3));
    }

    #[test]
    fn what_the_class_asks_for_is_required() {
        let empty = ApplicationForm::default();
        let err = check_application(&empty, &rules(), false).unwrap_err();
        for field in ["session_id", "job_title", "lodging", "exam_subjects", "exam_type", "photo"] {
            assert!(err.field(field).is_some(), "{field}");
        }
        let relaxed = ClassRules { session_ids: vec![1], ..ClassRules::default() };
        let app =
            check_application(&ApplicationForm { session_id: "1".into(), ..empty }, &relaxed, false).unwrap();
        assert_eq!(app.lodging, None);
        assert_eq!(app.exam_type, "");
    }

    #[test]
    fn choices_outside_the_class_lists_are_refused() {
        for bad in [
            ApplicationForm { session_id: "99".into(), ..form() },
            ApplicationForm { lodging: "总统套房".into(), ..form() },
            ApplicationForm { exam_subjects: vec!["监理概论".into(), "炼金术".into()], ..form() },
            ApplicationForm { exam_type: "免考".into(), ..form() },
            ApplicationForm { invoice_title_id: "abc".into(), ..form() },
        ] {
            assert!(check_application(&bad, &rules(), true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn totals_add_accommodation_to_the_fee() {
        assert_eq!(total_fen(fen(128_000), fen(30_000)), Some(fen(158_000)));
        assert_eq!(total_fen(fen(128_000), Fen::ZERO), Some(fen(128_000)));
        assert_eq!(total_fen(fen(i64::MAX), fen(1)), None);
    }

    const EVENTS: [Event; 11] = [
        Event::Approve,
        Event::Reject,
        Event::Resubmit { needs_review: true },
        Event::Resubmit { needs_review: false },
        Event::PaymentConfirmed,
        Event::Expire,
        Event::Complete,
        Event::RequestRefund,
        Event::Refunded { full: true },
        Event::Refunded { full: false },
        Event::RefundRefused,
    ];

    /// Every allowed transition, written out once; everything else must be refused.
    fn allowed() -> Vec<(Status, Event, Status)> {
        use Status::*;
        vec![
            (UnderReview, Event::Approve, AwaitingPayment),
            (UnderReview, Event::Reject, Rejected),
            (UnderReview, Event::Expire, Expired),
            (Rejected, Event::Resubmit { needs_review: true }, UnderReview),
            (Rejected, Event::Resubmit { needs_review: false }, AwaitingPayment),
            (Rejected, Event::Expire, Expired),
            (AwaitingPayment, Event::PaymentConfirmed, Paid),
            (AwaitingPayment, Event::Expire, Expired),
            (Paid, Event::Expire, Expired),
            (Paid, Event::Complete, Completed),
            (Paid, Event::RequestRefund, RefundReview),
            (RefundReview, Event::Refunded { full: true }, Refunded),
            (RefundReview, Event::Refunded { full: false }, Paid),
            (RefundReview, Event::RefundRefused, RefundFailed),
            (RefundFailed, Event::Expire, Expired),
            (RefundFailed, Event::Complete, Completed),
            (RefundFailed, Event::RequestRefund, RefundReview),
        ]
    }

    #[test]
    fn every_pair_of_status_and_event_is_allowed_or_refused_as_listed() {
        let allowed = allowed();
        for from in Status::ALL {
            for event in EVENTS {
                let expected =
                    allowed.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                match (from.apply(event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} + {event:?}"),
                    (Err(refused), None) => assert_eq!(refused, TransitionRefused { from, event }),
                    (got, want) => panic!("{from:?} + {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        for from in [Status::Completed, Status::Refunded, Status::Expired] {
            for event in EVENTS {
                assert!(from.apply(event).is_err(), "{from:?} accepted {event:?}");
            }
        }
    }

    #[test]
    fn new_registrations_start_in_review_only_when_the_class_asks() {
        assert_eq!(Status::initial(true), Status::UnderReview);
        assert_eq!(Status::initial(false), Status::AwaitingPayment);
    }

    #[test]
    fn seats_are_held_by_live_registrations_only() {
        let free: Vec<Status> = Status::ALL.into_iter().filter(|s| !s.holds_seat()).collect();
        assert_eq!(free, vec![Status::Rejected, Status::Refunded, Status::Expired]);
    }

    #[test]
    fn codes_round_trip_and_labels_follow_001() {
        for status in Status::ALL {
            assert_eq!(Status::from_code(status.code()), Some(status));
        }
        let labels: Vec<&str> = Status::ALL.into_iter().map(Status::label).collect();
        assert_eq!(
            labels,
            [
                "审核中",
                "审核不通过",
                "待支付",
                "已支付",
                "已完成",
                "退款审核中",
                "已退款",
                "退款失败",
                "已过期"
            ]
        );
        assert_eq!(Status::from_code("paid_twice"), None);
        assert_eq!(Status::try_from("refund_review"), Ok(Status::RefundReview));
        assert!(Status::try_from(String::from("paid_twice")).is_err());
    }

    #[test]
    fn unused_registrations_expire_when_their_session_ends() {
        assert_eq!(Status::UnderReview.effective(true), Status::Expired);
        assert_eq!(Status::Paid.effective(true), Status::Expired);
        assert_eq!(Status::Completed.effective(true), Status::Completed);
        assert_eq!(Status::Refunded.effective(true), Status::Refunded);
        assert_eq!(Status::RefundReview.effective(true), Status::RefundReview);
        assert_eq!(Status::AwaitingPayment.effective(false), Status::AwaitingPayment);
    }

    #[test]
    fn refusals_say_what_and_why_in_chinese() {
        let refused = Status::Paid.apply(Event::Approve).unwrap_err();
        assert_eq!(refused.message(), "当前状态为“已支付”，不能审核通过");
    }

    #[test]
    fn the_notice_must_be_read_for_ten_seconds() {
        assert!(notice_acknowledged_in_time(1_000, 1_000 + 9_999).is_err());
        assert!(notice_acknowledged_in_time(1_000, 1_000 + 10_000).is_ok());
        assert!(notice_acknowledged_in_time(1_000, 1_000 + NOTICE_VALID_MS + 1).is_err());
    }
}
