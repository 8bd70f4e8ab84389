//! Demo courses with real short videos (made once with ffmpeg, in `app/seed/videos`)
//! and question banks, offered by the demo online class; and 李四, who has already
//! paid for that class, so a newcomer can start learning at once. Idempotent.

use super::courses::{insert_chapter, insert_question};
use crate::state::AppState;
use crate::{
    accounts::domain::roles::Role,
    catalogue::domain::{Category, Mode},
    enrolment::domain::Status,
    learning::domain::{CheckedQuestion, QuestionKind},
    orders::domain::{OrderStatus, lines_for, order_number},
    payments::domain::PaymentStatus,
    platform::{
        money::Fen,
        server::{
            db::Tx,
            files::{self, Upload},
            media,
            storage::FileKind,
        },
        time::format_date,
    },
};
use bytes::Bytes;

struct DemoCourse {
    title: &'static str,
    category: Category,
    hours_tenths: i64,
    description: &'static str,
    chapters: &'static [(&'static str, &'static str, &'static [u8])],
    questions: &'static [(QuestionKind, &'static str, &'static str, &'static str, &'static str)],
}

const ETHICS: DemoCourse = DemoCourse {
    title: "专业技术人员职业道德与诚信建设",
    category: Category::Public,
    hours_tenths: 120,
    description: "职业道德的基本规范、诚信体系建设与职业行为底线。",
    chapters: &[
        ("第一章 职业道德的基本规范", "ethics-1.webm", include_bytes!("../../../seed/videos/ethics-1.webm")),
        ("第二章 诚信体系建设", "ethics-2.webm", include_bytes!("../../../seed/videos/ethics-2.webm")),
    ],
    questions: &[
        (
            QuestionKind::Single,
            "职业道德的核心是什么？",
            "爱岗敬业\n追求利润\n个人发展\n服从领导",
            "A",
            "爱岗敬业是职业道德的核心和基础。",
        ),
        (
            QuestionKind::Multiple,
            "以下哪些属于专业技术人员应遵守的职业规范？",
            "诚实守信\n廉洁自律\n弄虚作假\n保守秘密",
            "ABD",
            "弄虚作假违反诚信原则，其余均为基本规范。",
        ),
        (
            QuestionKind::TrueFalse,
            "社会信用体系只约束企业，不约束个人。",
            "",
            "F",
            "社会信用体系同时覆盖法人和自然人。",
        ),
        (
            QuestionKind::Single,
            "专业技术人员出具虚假报告，首先违反的是哪项原则？",
            "效率原则\n诚信原则\n竞争原则\n节约原则",
            "B",
            "出具虚假报告首先违反诚信原则。",
        ),
        (
            QuestionKind::TrueFalse,
            "继续教育是专业技术人员的权利，也是义务。",
            "",
            "T",
            "《专业技术人员继续教育规定》明确了这一点。",
        ),
        (
            QuestionKind::Multiple,
            "诚信建设的主要手段包括：",
            "信用记录\n失信惩戒\n守信激励\n放任自流",
            "ABC",
            "放任自流不是诚信建设手段。",
        ),
    ],
};

const DIGITAL: DemoCourse = DemoCourse {
    title: "数字技术应用基础",
    category: Category::Public,
    hours_tenths: 100,
    description: "数字化办公、数据安全与个人信息保护的基础知识。",
    chapters: &[(
        "数字化办公与数据安全",
        "digital-1.webm",
        include_bytes!("../../../seed/videos/digital-1.webm"),
    )],
    questions: &[
        (
            QuestionKind::Single,
            "设置密码时，以下哪种做法最安全？",
            "使用生日\n使用123456\n使用足够长且不常见的密码\n所有网站用同一个密码",
            "C",
            "足够长且不常见的密码最难被猜中，且不应在多个网站重复使用。",
        ),
        (
            QuestionKind::TrueFalse,
            "收到要求提供验证码的陌生电话，可以放心告知。",
            "",
            "F",
            "验证码不应告诉任何人，陌生来电索要验证码多为诈骗。",
        ),
        (
            QuestionKind::Multiple,
            "个人信息包括：",
            "姓名\n身份证号\n手机号\n天气预报",
            "ABC",
            "天气预报不是个人信息。",
        ),
        (
            QuestionKind::Single,
            "重要文件最好的保存方式是：",
            "只存一份在电脑桌面\n定期备份到多个位置\n发到公共群里\n打印后丢弃电子版",
            "B",
            "定期在多个位置备份，才能防止丢失。",
        ),
        (
            QuestionKind::TrueFalse,
            "公共场所的免费无线网络适合办理网上银行业务。",
            "",
            "F",
            "公共无线网络可能被监听，不宜办理涉及资金的业务。",
        ),
        (
            QuestionKind::Single,
            "发现电脑感染病毒，首先应：",
            "继续使用\n断开网络并查杀病毒\n把文件发给同事\n格式化所有硬盘",
            "B",
            "先断网防止扩散，再查杀病毒。",
        ),
    ],
};

const LAW: DemoCourse = DemoCourse {
    title: "法治建设与依法行政",
    category: Category::Public,
    hours_tenths: 100,
    description: "宪法与法律常识，依法履职的基本要求。",
    chapters: &[("法治建设与依法行政", "law-1.webm", include_bytes!("../../../seed/videos/law-1.webm"))],
    questions: &[
        (
            QuestionKind::Single,
            "我国的根本大法是：",
            "刑法\n民法典\n宪法\n行政法",
            "C",
            "宪法是国家的根本大法。",
        ),
        (QuestionKind::TrueFalse, "法律面前人人平等。", "", "T", "这是宪法确立的基本原则。"),
        (
            QuestionKind::Multiple,
            "依法行政的基本要求包括：",
            "合法行政\n合理行政\n程序正当\n随意决定",
            "ABC",
            "随意决定违背依法行政。",
        ),
        (
            QuestionKind::Single,
            "民法典自哪一年起施行？",
            "2019年\n2020年\n2021年\n2022年",
            "C",
            "《中华人民共和国民法典》自2021年1月1日起施行。",
        ),
        (
            QuestionKind::TrueFalse,
            "行政机关可以不经任何程序直接作出处罚决定。",
            "",
            "F",
            "行政处罚必须遵循法定程序。",
        ),
    ],
};

const SUPERVISION: DemoCourse = DemoCourse {
    title: "水利工程施工监理实务",
    category: Category::Professional,
    hours_tenths: 80,
    description: "施工阶段监理的工作程序与质量控制要点（专业科目，供线上专业班使用）。",
    chapters: &[(
        "施工监理工作程序",
        "supervision-1.webm",
        include_bytes!("../../../seed/videos/supervision-1.webm"),
    )],
    questions: &[
        (
            QuestionKind::Single,
            "监理单位对施工质量负有什么责任？",
            "不承担责任\n监理责任\n施工责任\n设计责任",
            "B",
            "监理单位依法承担监理责任。",
        ),
        (
            QuestionKind::TrueFalse,
            "隐蔽工程未经监理验收可以直接覆盖。",
            "",
            "F",
            "隐蔽工程须经验收合格后方可覆盖。",
        ),
    ],
};

/// The demo online class's courses (in 在线选课), and one more of the provider's.
const OFFERED: [&DemoCourse; 3] = [&ETHICS, &DIGITAL, &LAW];

/// Inserts the demo courses that are missing; returns how many were added.
pub async fn seed(state: &AppState, tx: &mut Tx, provider_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    let owner: i64 = sqlx::query_scalar(
        "SELECT user_id FROM user_roles WHERE role = $2 AND scope_id = $1 ORDER BY user_id LIMIT 1",
    )
    .bind(provider_id)
    .bind(Role::Provider.code())
    .fetch_one(&mut **tx)
    .await?;
    let class_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM classes WHERE provider_id = $1 AND mode = $2 ORDER BY id LIMIT 1")
            .bind(provider_id)
            .bind(Mode::Online.code())
            .fetch_optional(&mut **tx)
            .await?;
    let mut added = 0;
    for course in OFFERED.iter().copied().chain(std::iter::once(&SUPERVISION)) {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM courses WHERE title = $1")
            .bind(course.title)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_some() {
            continue;
        }
        let course_id: i64 = sqlx::query_scalar(
            "INSERT INTO courses (provider_id, title, category, hours_tenths, description, quiz_count, quiz_points,
                                  pass_score, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 5, 20, 60, $6, $7, $7) RETURNING id",
        )
        .bind(provider_id)
        .bind(course.title)
        .bind(course.category.code())
        .bind(course.hours_tenths)
        .bind(course.description)
        .bind(owner)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for (title, filename, bytes) in course.chapters {
            let video = files::put(
                &state.storage,
                Upload {
                    purpose: "chapter_video",
                    filename,
                    bytes: Bytes::from_static(bytes),
                    max_bytes: state.config.video_limit_bytes,
                    accepted: &[FileKind::Webm],
                    owner_user_id: owner,
                },
            )
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("demo video: {}", e.message)))?;
            files::record(tx, &video).await.map_err(|e| sqlx::Error::Protocol(e.message))?;
            let duration = media::duration_ms(bytes).unwrap_or(10_000);
            insert_chapter(tx, course_id, title, &video.record, duration)
                .await
                .map_err(|e| sqlx::Error::Protocol(e.message))?;
        }
        for (kind, stem, options, answer, explanation) in course.questions {
            let question = CheckedQuestion {
                kind: *kind,
                stem: (*stem).to_owned(),
                options: options.lines().map(str::to_owned).collect(),
                answer: (*answer).to_owned(),
                explanation: (*explanation).to_owned(),
            };
            insert_question(tx, course_id, &question, now)
                .await
                .map_err(|e| sqlx::Error::Protocol(e.message))?;
        }
        if let Some(class_id) = class_id.filter(|_| OFFERED.iter().any(|c| c.title == course.title)) {
            sqlx::query("INSERT INTO class_courses (class_id, course_id) VALUES ($1, $2)")
                .bind(class_id)
                .bind(course_id)
                .execute(&mut **tx)
                .await?;
        }
        added += 1;
    }
    if let Some(class_id) = class_id {
        paid_trainee(tx, class_id, now).await?;
    }
    Ok(added)
}

/// The online class's first session, and its fee.
#[derive(sqlx::FromRow)]
struct FirstSessionRow {
    session_id: i64,
    fee_fen: Fen,
}

/// 李四 has paid for the online class (a bank transfer finance confirmed).
async fn paid_trainee(tx: &mut Tx, class_id: i64, now: i64) -> Result<(), sqlx::Error> {
    const PHONE: &str = "13800000012";
    let user_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE phone = $1").bind(PHONE).fetch_one(&mut **tx).await?;
    let registered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE user_id = $1 AND class_id = $2")
            .bind(user_id)
            .bind(class_id)
            .fetch_one(&mut **tx)
            .await?;
    if registered > 0 {
        return Ok(());
    }
    let first: FirstSessionRow = sqlx::query_as(
        "SELECT s.id AS session_id, c.fee_fen FROM class_sessions s JOIN classes c ON c.id = s.class_id
         WHERE s.class_id = $1 ORDER BY s.id LIMIT 1",
    )
    .bind(class_id)
    .fetch_one(&mut **tx)
    .await?;
    let (session_id, fee_fen) = (first.session_id, first.fee_fen);
    let registration_id: i64 = sqlx::query_scalar(
        "INSERT INTO registrations (user_id, class_id, session_id, status, job_title, lodging_name, lodging_price_fen,
             fee_fen, exam_subjects, exam_type, joint_invoice_note, submitted_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '', '', 0, $5, '', '', '', $6, $6, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(class_id)
    .bind(session_id)
    .bind(Status::Paid.code())
    .bind(fee_fen)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    for table in ["class_sessions", "classes"] {
        let key = if table == "classes" { class_id } else { session_id };
        sqlx::query(&format!("UPDATE {table} SET seats_taken = seats_taken + 1 WHERE id = $1"))
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    let lines = lines_for(fee_fen, None);
    let order_no =
        order_number(&format_date(now), u64::try_from(registration_id).unwrap_or(0) * 7_919 + 20_261_201);
    let order_id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (order_no, registration_id, user_id, status, total_fen, expires_at, paid_at, paid_via,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, 'transfer', $6, $6) RETURNING id",
    )
    .bind(&order_no)
    .bind(registration_id)
    .bind(user_id)
    .bind(OrderStatus::Paid.code())
    .bind(fee_fen)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    crate::orders::server::repo::insert_lines(tx, order_id, &lines).await?;
    sqlx::query(
        "INSERT INTO payments (order_id, out_trade_no, provider, channel, amount_fen, status, code_url, transaction_id,
             created_at, succeeded_at, received_on)
         VALUES ($1, $2, 'transfer', 'transfer', $3, $6, '', '转账（演示数据）', $4, $4, $5)",
    )
    .bind(order_id)
    .bind(format!("{order_no}-DEMO"))
    .bind(fee_fen)
    .bind(now)
    .bind(format_date(now))
    .bind(PaymentStatus::Succeeded.code())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
