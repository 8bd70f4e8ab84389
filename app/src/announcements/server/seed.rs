//! Demo announcements, written like the notices of a provincial system.

use crate::platform::server::markdown;
use crate::{announcements::domain::Category, platform::server::db::Tx};

struct DemoAnnouncement {
    category: Category,
    title: &'static str,
    /// Publication date, Beijing time, as (month, day) in 2026.
    date: (u8, u8),
    body: &'static str,
}

const DEMO: &[DemoAnnouncement] = &[
    DemoAnnouncement {
        category: Category::Notice,
        title: "关于开展2026年度专业技术人员继续教育公需科目培训的通知",
        date: (3, 2),
        body: "各市（州）人力资源社会保障局，省直各单位：\n\n根据《专业技术人员继续教育规定》，现就2026年度公需科目培训有关事项通知如下。\n\n## 一、培训对象\n\n全省各类专业技术人员。\n\n## 二、学时要求\n\n专业技术人员每年参加继续教育的时间累计不少于**90学时**，其中公需科目不少于30学时，专业科目不少于60学时。\n\n## 三、培训方式\n\n1. 在线学习：登录本平台“报名中心”选择培训班，缴费后进入“学习”参加课程学习和课后测验；\n2. 面授培训：按培训班通知到现场扫码报到。\n\n## 四、其他事项\n\n学员须先完成**实名认证**方可报名缴费。",
    },
    DemoAnnouncement {
        category: Category::Notice,
        title: "关于2026年水利工程建设监理业务培训报名的通知",
        date: (4, 15),
        body: "各有关单位：\n\n为提高水利工程建设监理人员业务水平，定于2026年6月举办监理业务培训班。\n\n- 培训地点：成都市\n- 培训费用：以培训班页面公布为准\n- 报名方式：登录本平台，在“报名中心—培训”中选择本培训班提交订单\n\n提交订单后请阅读报名须知，审核通过后在“我的考试”中完成缴费。",
    },
    DemoAnnouncement {
        category: Category::Notice,
        title: "关于做好2026年度继续教育学时登记工作的通知",
        date: (5, 20),
        body: "请各单位督促本单位专业技术人员及时申报继续教育记录，单位管理员应在收到申报后15个工作日内完成审核。\n\n学时统计周期为每24小时一次，证书打印以统计结果为准。",
    },
    DemoAnnouncement {
        category: Category::Notice,
        title: "2025年度继续教育证书核验结果公告",
        date: (2, 10),
        body: "2025年度继续教育证书核验工作已经完成。证书持有人可在“证书查询”中输入身份证号和姓名查询核验结果。\n\n如有疑问，请联系所在单位管理员。",
    },
    DemoAnnouncement {
        category: Category::Notice,
        title: "平台系统升级维护公告",
        date: (6, 28),
        body: "为提升服务质量，平台将于2026年7月1日 22:00 至 24:00 进行系统升级，期间暂停报名和缴费服务，在线学习进度不受影响。\n\n给您带来的不便，敬请谅解。",
    },
    DemoAnnouncement {
        category: Category::Notice,
        title: "关于规范培训费发票开具工作的通知",
        date: (7, 8),
        body: "自即日起，培训费统一开具**增值税电子普通发票**。请学员在“个人中心—我的信息—发票信息”中认真填写发票抬头和税号。\n\n发票作废需填写作废原因。",
    },
    DemoAnnouncement {
        category: Category::Guide,
        title: "个人用户注册与实名认证办事指南",
        date: (1, 12),
        body: "## 办理流程\n\n1. 在登录页点击“个人用户注册”，填写手机号、短信验证码和密码；\n2. 点击“注册并返回登录”完成注册，或点击“实名认证”继续认证；\n3. 实名认证需要填写身份证号并上传身份证正反面照片。\n\n**注意**：未实名认证的账号可以登录，但不能提交订单和缴费。",
    },
    DemoAnnouncement {
        category: Category::Guide,
        title: "培训报名及缴费办事指南",
        date: (1, 20),
        body: "## 报名\n\n在“报名中心—培训”中选择培训班，确认个人信息，按要求填写职务、选择住宿后点击“提交订单”。报名须知需阅读10秒后方可确认。\n\n## 缴费\n\n审核通过后订单变为“待支付”，可扫码支付（微信、支付宝、云闪付）或选择线下转账。",
    },
    DemoAnnouncement {
        category: Category::Guide,
        title: "发票申请与下载办事指南",
        date: (2, 3),
        body: "付款成功后，可在订单中点击“申请开票”。财务开具后，在“发票下载”中下载电子发票。同一单位多人报名可申请合开发票，请在备注中注明合开人员。",
    },
    DemoAnnouncement {
        category: Category::Guide,
        title: "退款申请办事指南",
        date: (2, 18),
        body: "已缴费且未报到的订单，可点击“退款申请”。线下培训可选择**全额退款**（培训费和住宿费）或**部分退款**（仅退住宿费）。退款原因为必填项，提交后请耐心等待审核。",
    },
    DemoAnnouncement {
        category: Category::Manual,
        title: "学员操作手册（移动端）",
        date: (1, 5),
        body: "本手册介绍学员在手机上使用平台的全部流程：注册与实名认证、登录、培训报名及缴费、申请开票、退款申请和账号设置。\n\n底部导航栏包括“首页”“报名中心”“学习”和“个人中心”。",
    },
    DemoAnnouncement {
        category: Category::Manual,
        title: "法人单位管理员操作手册",
        date: (1, 6),
        body: "单位管理员可审核本单位专业技术人员的注册账号、管理部门和管理人员、批量添加人员、审核继续教育记录申报并打印证书。",
    },
    DemoAnnouncement {
        category: Category::Manual,
        title: "施教机构操作手册",
        date: (1, 7),
        body: "施教机构可发布培训班和课程、审核报名、维护题库、组织扫码报到、分配准考证并录入考试成绩。",
    },
];

/// Unix ms of 09:00 Beijing time on the given day of 2026.
fn published_at((month, day): (u8, u8)) -> i64 {
    let date = time::Date::from_calendar_date(2026, time::Month::try_from(month).expect("valid month"), day)
        .expect("valid demo date");
    let utc_midnight = date.midnight().assume_utc().unix_timestamp();
    (utc_midnight + 3600) * 1000 // 09:00 in Beijing is 01:00 UTC
}

/// Inserts the demo announcements that are missing (matched by title).
pub async fn seed(tx: &mut Tx, author_id: i64) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    for item in DEMO {
        let at = published_at(item.date);
        let result = sqlx::query(
            "INSERT INTO announcements
                 (category, title, body_markdown, body_html, published, published_at, created_by, updated_by, created_at, updated_at)
             SELECT $1, $2, $3, $4, 1, $5, $6, $6, $5, $5
             WHERE NOT EXISTS (SELECT 1 FROM announcements WHERE title = $2)",
        )
        .bind(item.category.code())
        .bind(item.title)
        .bind(item.body)
        .bind(markdown::render(item.body))
        .bind(at)
        .bind(author_id)
        .execute(&mut **tx)
        .await?;
        added += result.rows_affected();
    }
    Ok(added)
}
