//! Demo classes: an offline class that asks for review, a job title, a photo and
//! accommodation, and an online class without review. Open around the seeding day, so
//! a newcomer can register at once. Idempotent by title.

use super::super::domain::{ClassState, Mode};
use crate::platform::{
    money::Fen,
    server::{db::Tx, markdown},
    time::format_date,
};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A demo amount, checked when the constant is built.
const fn fen(amount: i64) -> Fen {
    match Fen::new(amount) {
        Some(fen) => fen,
        None => panic!("a demo amount is never negative"),
    }
}

struct DemoClass {
    title: &'static str,
    mode: Mode,
    hours: [i64; 3],
    fee_fen: Fen,
    region_code: &'static str,
    needs_review: bool,
    needs_extras: bool,
    lodgings: &'static [(&'static str, Fen)],
    exam_subjects: &'static str,
    exam_types: &'static str,
    description: &'static str,
    notice: &'static str,
    /// (name, starts in days, lasts days, place)
    sessions: &'static [(&'static str, i64, i64, &'static str)],
}

const NOTICE: &str = "1. 请确认个人信息真实准确，报名后姓名、性别和身份证号不能修改。\n2. 报名需经培训机构审核，审核通过后请在订单有效期内完成支付。\n3. 线下培训请在规定的报到时间内到现场扫码报到，未报到不能参加考试。\n4. 已支付未报到的报名可申请退款，需后台审核。";

const CLASSES: [DemoClass; 2] = [
    DemoClass {
        title: "水利工程建设监理业务培训",
        mode: Mode::Offline,
        hours: [0, 240, 0],
        fee_fen: fen(128_000),
        region_code: "510000",
        needs_review: true,
        needs_extras: true,
        lodgings: &[("标准间（两人合住）", fen(30_000)), ("单人间", fen(48_000))],
        exam_subjects: "监理概论\n合同管理\n质量控制",
        exam_types: "初次考试\n补考",
        description: "面向四川省水利工程建设监理从业人员的业务培训。\n\n- 监理规范与程序\n- 合同管理与投资控制\n- 质量与安全控制",
        notice: NOTICE,
        sessions: &[
            ("第一期", 30, 3, "成都市武侯区人民南路四段1号"),
            ("第二期", 60, 3, "成都市武侯区人民南路四段1号"),
        ],
    },
    DemoClass {
        title: "专业技术人员公需科目在线培训",
        mode: Mode::Online,
        hours: [300, 0, 0],
        fee_fen: fen(20_000),
        region_code: "",
        needs_review: false,
        needs_extras: false,
        lodgings: &[],
        exam_subjects: "",
        exam_types: "",
        description: "在线学习公需科目课程，学完并通过课后测验即可获得学时。",
        notice: "1. 在线培训报名无需审核，支付后即可进入“我的班级”学习。\n2. 学时以课程学习进度和课后测验成绩为准。",
        sessions: &[("全年班", 0, 365, "")],
    },
];

/// Inserts the demo classes that are missing; returns how many were added.
pub async fn seed(tx: &mut Tx, provider_id: i64, created_by: i64, now: i64) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    let year: i64 = format_date(now)[..4].parse().unwrap_or(2026);
    for class in &CLASSES {
        let title = format!("{year}年度{}", class.title);
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM classes WHERE title = $1")
            .bind(&title)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_some() {
            continue;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO classes (provider_id, title, description, mode, year, hours_public, hours_professional,
                 hours_elective, fee_fen, capacity, opens_on, closes_on, region_code, needs_review, needs_job_title,
                 needs_photo, exam_subjects, exam_types, notice, state, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 500, $10, $11, $12, $13, $14, $14, $15, $16, $17, $20, $18, $19, $19)
             RETURNING id",
        )
        .bind(provider_id)
        .bind(&title)
        .bind(class.description)
        .bind(class.mode.code())
        .bind(year)
        .bind(class.hours[0])
        .bind(class.hours[1])
        .bind(class.hours[2])
        .bind(class.fee_fen)
        .bind(format_date(now - 7 * DAY_MS))
        .bind(format_date(now + 90 * DAY_MS))
        .bind(class.region_code)
        .bind(i64::from(class.needs_review))
        .bind(i64::from(class.needs_extras))
        .bind(class.exam_subjects)
        .bind(class.exam_types)
        .bind(class.notice)
        .bind(created_by)
        .bind(now)
        .bind(ClassState::Open.code())
        .fetch_one(&mut **tx)
        .await?;
        for (position, (name, price)) in class.lodgings.iter().enumerate() {
            sqlx::query(
                "INSERT INTO class_lodgings (class_id, name, price_fen, position) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(*name)
            .bind(*price)
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
        }
        for (name, starts_in, days, place) in class.sessions {
            let starts = now + starts_in * DAY_MS;
            let (checkin_opens, checkin_closes) = if class.mode == Mode::Offline {
                (format!("{}T08:00", format_date(starts)), format!("{}T10:00", format_date(starts)))
            } else {
                (String::new(), String::new())
            };
            sqlx::query(
                "INSERT INTO class_sessions (class_id, name, starts_on, ends_on, place, checkin_opens, checkin_closes,
                     capacity, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 250, $8)",
            )
            .bind(id)
            .bind(*name)
            .bind(format_date(starts))
            .bind(format_date(starts + (days - 1) * DAY_MS))
            .bind(*place)
            .bind(checkin_opens)
            .bind(checkin_closes)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        // A 报名通知 on the home page, linking to the class, is the other way in.
        if class.needs_review {
            let body = format!(
                "{}\n\n报名时间：{} 至 {}。\n\n[点击进入报名](/classes/{id})",
                class.description,
                format_date(now - 7 * DAY_MS),
                format_date(now + 90 * DAY_MS)
            );
            sqlx::query(
                "INSERT INTO announcements
                     (category, title, body_markdown, body_html, published, published_at, created_by, updated_by, created_at, updated_at)
                 VALUES ('notice', $1, $2, $3, 1, $4, $5, $5, $4, $4)",
            )
            .bind(format!("关于举办{title}的通知"))
            .bind(&body)
            .bind(markdown::render(&body))
            .bind(now)
            .bind(created_by)
            .execute(&mut **tx)
            .await?;
        }
        added += 1;
    }
    Ok(added)
}
