//! Training classes (培训班) and their sessions (期次): what a class holds, its states,
//! money and hours as integers, and the checks of the provider's forms. Shared by the
//! browser and the server.

use crate::{
    error::{AppResult, Validation},
    platform::money::Fen,
};
use serde::{Deserialize, Serialize};

/// The state of a class: only 接受报名 takes registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassState {
    Draft,
    Open,
    Closed,
    Ended,
}

impl ClassState {
    pub const ALL: [ClassState; 4] = [Self::Draft, Self::Open, Self::Closed, Self::Ended];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Ended => "ended",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Open => "接受报名",
            Self::Closed => "报名截止",
            Self::Ended => "已结束",
        }
    }

    ///草稿 → 接受报名 → 报名截止 → 已结束; registration may reopen after a deadline
    /// was moved, and an open class may end at once.
    pub fn can_become(self, next: ClassState) -> bool {
        use ClassState::*;
        matches!((self, next), (Draft, Open) | (Open, Closed) | (Closed, Open) | (Open | Closed, Ended))
    }

    /// The button that moves a class to this state.
    pub fn action_label(self) -> &'static str {
        match self {
            Self::Draft => "存为草稿",
            Self::Open => "开放报名",
            Self::Closed => "截止报名",
            Self::Ended => "结束培训",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Online,
    Offline,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Online, Self::Offline].into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "线上培训",
            Self::Offline => "线下培训",
        }
    }
}

/// Hour categories (学时类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Public,
    Professional,
    Elective,
}

impl Category {
    pub const ALL: [Category; 3] = [Self::Public, Self::Professional, Self::Elective];

    pub fn code(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Professional => "professional",
            Self::Elective => "elective",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Public => "公需",
            Self::Professional => "专业",
            Self::Elective => "选修",
        }
    }
}

crate::stored_code!(ClassState, Mode, Category);

/// Hours in tenths (1.5 学时 = 15), never floating point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hours(pub i64);

impl Hours {
    /// Parses "12", "1.5" or "" (zero); at most one decimal.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self(0));
        }
        let (whole, tenth) = match text.split_once('.') {
            Some((w, t)) if t.len() == 1 => (w, t),
            Some(_) => return Err("学时最多保留一位小数"),
            None => (text, "0"),
        };
        let whole: i64 = whole.parse().map_err(|_| "请输入学时数，如 12 或 1.5")?;
        let tenth: i64 = tenth.parse().map_err(|_| "请输入学时数，如 12 或 1.5")?;
        if !(0..=999).contains(&whole) {
            return Err("学时应在 0 到 999 之间");
        }
        Ok(Self(whole * 10 + tenth))
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 % 10 == 0 {
            write!(f, "{}", self.0 / 10)
        } else {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

use crate::platform::{
    text::lines,
    time::{check_date, check_datetime},
};

/// Whether a class restricted to `class_region` (GB/T 2260; empty for none) is offered
/// to a unit in `unit_region`: a province code covers its cities.
pub fn region_allows(class_region: &str, unit_region: Option<&str>) -> bool {
    class_region.is_empty()
        || unit_region.is_some_and(|unit| crate::units::domain::region_covers(class_region, unit))
}

pub const TITLE_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
pub const NOTICE_MAX_CHARS: usize = 5_000;

/// A class as the provider's form posts it, all text (see the flattening pitfall).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassForm {
    /// Empty for a new class.
    pub id: String,
    pub title: String,
    pub description: String,
    pub mode: String,
    pub year: String,
    pub hours_public: String,
    pub hours_professional: String,
    pub hours_elective: String,
    pub fee_yuan: String,
    pub capacity: String,
    pub opens_on: String,
    pub closes_on: String,
    pub region_code: String,
    pub needs_review: String,
    pub needs_job_title: String,
    pub needs_photo: String,
    pub exam_subjects: String,
    pub exam_types: String,
    pub lodgings: String,
    pub notice: String,
}

/// An accommodation option (住宿) and its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lodging {
    pub name: String,
    pub price_fen: Fen,
}

/// A checked class form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDraft {
    pub title: String,
    pub description: String,
    pub mode: Mode,
    pub year: i64,
    pub hours: [Hours; 3],
    pub fee_fen: Fen,
    pub capacity: i64,
    pub opens_on: String,
    pub closes_on: String,
    pub region_code: String,
    pub needs_review: bool,
    pub needs_job_title: bool,
    pub needs_photo: bool,
    pub exam_subjects: Vec<String>,
    pub exam_types: Vec<String>,
    pub lodgings: Vec<Lodging>,
    pub notice: String,
}

fn yes(flag: &str) -> bool {
    matches!(flag, "on" | "true" | "1" | "yes")
}

/// "标准间 300" per line: a name, then the price in yuan.
pub fn parse_lodgings(text: &str) -> Result<Vec<Lodging>, String> {
    let mut out = Vec::new();
    for line in lines(text) {
        let Some((name, price)) = line.rsplit_once(char::is_whitespace) else {
            return Err(format!("“{line}”：请按“名称 价格”填写，如“标准间 300”"));
        };
        let price_fen = Fen::parse_yuan(price).map_err(|e| format!("“{line}”：{e}"))?;
        let name = name.trim().to_owned();
        if out.iter().any(|l: &Lodging| l.name == name) {
            return Err(format!("住宿选项“{name}”重复"));
        }
        out.push(Lodging { name, price_fen });
    }
    Ok(out)
}

impl ClassForm {
    pub fn check(&self) -> AppResult<ClassDraft> {
        let mut v = Validation::new();
        let title = self.title.trim().to_owned();
        v.check(!title.is_empty(), "title", "请填写培训班名称");
        v.check(title.chars().count() <= TITLE_MAX_CHARS, "title", "名称不超过100个字");
        v.check(self.description.chars().count() <= DESCRIPTION_MAX_CHARS, "description", "简介过长");
        let mode = Mode::from_code(&self.mode);
        v.check(mode.is_some(), "mode", "请选择培训方式");
        let year = self.year.trim().parse::<i64>().ok().filter(|y| (2000..=2100).contains(y));
        v.check(year.is_some(), "year", "请填写培训年度，如 2026");
        let mut hours = [Hours::default(); 3];
        for (i, (field, text)) in [
            ("hours_public", &self.hours_public),
            ("hours_professional", &self.hours_professional),
            ("hours_elective", &self.hours_elective),
        ]
        .into_iter()
        .enumerate()
        {
            match Hours::parse(text) {
                Ok(h) => hours[i] = h,
                Err(e) => {
                    v.add(field, e);
                }
            }
        }
        v.check(hours.iter().any(|h| h.0 > 0), "hours_public", "请至少填写一类学时");
        let fee_fen = Fen::parse_yuan(&self.fee_yuan);
        if let Err(e) = fee_fen {
            v.add("fee_yuan", e);
        }
        let capacity = self.capacity.trim().parse::<i64>().ok().filter(|c| (1..=100_000).contains(c));
        v.check(capacity.is_some(), "capacity", "请填写1到100000之间的人数");
        if let Err(e) = check_date(&self.opens_on) {
            v.add("opens_on", e);
        }
        if let Err(e) = check_date(&self.closes_on) {
            v.add("closes_on", e);
        }
        v.check(self.closes_on >= self.opens_on, "closes_on", "报名截止日期不能早于开始日期");
        let region_code = self.region_code.trim().to_owned();
        v.check(
            region_code.is_empty()
                || (region_code.len() == 6 && region_code.bytes().all(|b| b.is_ascii_digit())),
            "region_code",
            "请选择地区",
        );
        let lodgings = match parse_lodgings(&self.lodgings) {
            Ok(l) => l,
            Err(e) => {
                v.add("lodgings", e);
                Vec::new()
            }
        };
        v.check(mode != Some(Mode::Online) || lodgings.is_empty(), "lodgings", "线上培训不提供住宿");
        let notice = self.notice.trim().to_owned();
        v.check(!notice.is_empty(), "notice", "请填写报名须知");
        v.check(notice.chars().count() <= NOTICE_MAX_CHARS, "notice", "报名须知不超过5000字");
        v.finish()?;
        Ok(ClassDraft {
            title,
            description: self.description.trim().to_owned(),
            mode: mode.expect("checked"),
            year: year.expect("checked"),
            hours,
            fee_fen: fee_fen.expect("checked"),
            capacity: capacity.expect("checked"),
            opens_on: self.opens_on.clone(),
            closes_on: self.closes_on.clone(),
            region_code,
            needs_review: yes(&self.needs_review),
            needs_job_title: yes(&self.needs_job_title),
            needs_photo: yes(&self.needs_photo),
            exam_subjects: lines(&self.exam_subjects),
            exam_types: lines(&self.exam_types),
            lodgings,
            notice,
        })
    }
}

/// A session (期次) as the provider's form posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    pub class_id: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub checkin_opens: String,
    pub checkin_closes: String,
    pub capacity: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDraft {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    /// `YYYY-MM-DDTHH:MM`, local time of the class (China time).
    pub checkin_opens: String,
    pub checkin_closes: String,
    pub capacity: i64,
}

impl SessionForm {
    pub fn check(&self, mode: Mode) -> AppResult<SessionDraft> {
        let mut v = Validation::new();
        let name = self.name.trim().to_owned();
        v.check(!name.is_empty() && name.chars().count() <= 50, "name", "请填写期次名称，如“第一期”");
        if let Err(e) = check_date(&self.starts_on) {
            v.add("starts_on", e);
        }
        if let Err(e) = check_date(&self.ends_on) {
            v.add("ends_on", e);
        }
        v.check(self.ends_on >= self.starts_on, "ends_on", "结束日期不能早于开始日期");
        let place = self.place.trim().to_owned();
        v.check(mode == Mode::Online || !place.is_empty(), "place", "请填写培训地点");
        if mode == Mode::Offline {
            if let Err(e) = check_datetime(&self.checkin_opens) {
                v.add("checkin_opens", e);
            }
            if let Err(e) = check_datetime(&self.checkin_closes) {
                v.add("checkin_closes", e);
            }
            v.check(self.checkin_closes > self.checkin_opens, "checkin_closes", "报到截止时间应晚于开始时间");
        }
        let capacity = self.capacity.trim().parse::<i64>().ok().filter(|c| (1..=100_000).contains(c));
        v.check(capacity.is_some(), "capacity", "请填写1到100000之间的人数");
        v.finish()?;
        Ok(SessionDraft {
            name,
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            place,
            checkin_opens: if mode == Mode::Offline { self.checkin_opens.clone() } else { String::new() },
            checkin_closes: if mode == Mode::Offline { self.checkin_closes.clone() } else { String::new() },
            capacity: capacity.expect("checked"),
        })
    }
}

/// A 1-inch ID photo is 25 × 35 mm (5:7); scans and phone crops drift a little.
pub fn is_one_inch_photo(width: u32, height: u32) -> bool {
    if width < 200 || height < 280 {
        return false;
    }
    let ratio = width as f64 / height as f64;
    (0.66..=0.77).contains(&ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_states_follow_003() {
        use ClassState::*;
        let allowed: Vec<(ClassState, ClassState)> = ClassState::ALL
            .into_iter()
            .flat_map(|a| ClassState::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![(Draft, Open), (Open, Closed), (Open, Ended), (Closed, Open), (Closed, Ended)]
        );
        assert_eq!(Open.label(), "接受报名");
        assert_eq!(ClassState::from_code("ended"), Some(Ended));
        assert_eq!(ClassState::try_from("ended"), Ok(Ended));
        assert!(ClassState::try_from("archived").is_err());
        assert_eq!(Mode::try_from(String::from("offline")), Ok(Mode::Offline));
        assert!(Category::try_from("").is_err());
    }

    #[test]
    fn hours_are_tenths() {
        assert_eq!(Hours::parse("12"), Ok(Hours(120)));
        assert_eq!(Hours::parse("1.5"), Ok(Hours(15)));
        assert_eq!(Hours::parse(""), Ok(Hours(0)));
        assert!(Hours::parse("1.25").is_err());
        assert!(Hours::parse("-1").is_err());
        assert!(Hours::parse("abc").is_err());
        assert_eq!(Hours(15).to_string(), "1.5");
        assert_eq!(Hours(120).to_string(), "12");
    }

    #[test]
    fn regions_cover_their_cities() {
        assert!(region_allows("", None));
        assert!(region_allows("510000", Some("510100")));
        assert!(region_allows("510100", Some("510100")));
        assert!(!region_allows("510100", Some("510700")));
        assert!(!region_allows("510000", Some("500000")));
        assert!(!region_allows("510000", None));
    }

    #[test]
    fn lodgings_are_name_and_price_lines() {
        let parsed = parse_lodgings("标准间 300\n 单人间  480.5 \n\n").unwrap();
        assert_eq!(
            parsed,
            vec![
                Lodging { name: "标准间".into(), price_fen: Fen::new(30_000).unwrap() },
                Lodging { name: "单人间".into(), price_fen: Fen::new(48_050).unwrap() }
            ]
        );
        assert!(parse_lodgings("标准间").is_err());
        assert!(parse_lodgings("标准间 300\n标准间 200").is_err());
    }

    fn offline_form() -> ClassForm {
        ClassForm {
            title: "2026年监理业务培训".into(),
            mode: "offline".into(),
            year: "2026".into(),
            hours_professional: "24".into(),
            fee_yuan: "1280".into(),
            capacity: "100".into(),
            opens_on: "2026-11-01".into(),
            closes_on: "2026-12-31".into(),
            needs_review: "on".into(),
            needs_job_title: "on".into(),
            lodgings: "标准间 300".into(),
            exam_subjects: "监理概论\n\n合同管理".into(),
            notice: "请按时参加".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_class_form_passes() {
        let draft = offline_form().check().unwrap();
        assert_eq!(draft.fee_fen, Fen::new(128_000).unwrap());
        assert_eq!(draft.hours[1], Hours(240));
        assert!(draft.needs_review && draft.needs_job_title && !draft.needs_photo);
        assert_eq!(draft.exam_subjects, vec!["监理概论", "合同管理"]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let form = ClassForm {
            title: " ".into(),
            mode: "online".into(),
            year: "1999".into(),
            hours_professional: String::new(),
            capacity: "0".into(),
            closes_on: "2026-10-01".into(),
            notice: String::new(),
            ..offline_form()
        };
        let err = form.check().unwrap_err();
        for field in ["title", "year", "hours_public", "capacity", "closes_on", "lodgings", "notice"] {
            assert!(err.field(field).is_some(), "{field}: {err:?}");
        }
        assert!(err.field("fee_yuan").is_none());
    }

    #[test]
    fn sessions_of_offline_classes_need_a_place_and_a_checkin_window() {
        let form = SessionForm {
            name: "第一期".into(),
            starts_on: "2026-12-01".into(),
            ends_on: "2026-12-03".into(),
            capacity: "50".into(),
            ..Default::default()
        };
        assert!(form.check(Mode::Online).is_ok());
        let err = form.check(Mode::Offline).unwrap_err();
        assert!(err.field("place").is_some() && err.field("checkin_opens").is_some());
        let ok = SessionForm {
            place: "成都".into(),
            checkin_opens: "2026-12-01T08:00".into(),
            checkin_closes: "2026-12-01T09:30".into(),
            ..form
        };
        assert!(ok.check(Mode::Offline).is_ok());
        assert!(check_datetime("2026-12-01T24:00").is_err());
    }

    #[test]
    fn odd_unicode_in_a_datetime_is_refused_not_a_panic() {
        for text in ["2026-01-01T€00", "2026-01-01T0€0", "2026-01€T08:0", "😀😀😀😀", "2026-01-01T\u{0}8:00"]
        {
            assert!(check_datetime(text).is_err(), "{text}");
        }
        assert!(check_datetime("2026-01-01T08:00").is_ok());
    }

    #[test]
    fn one_inch_photos_are_portrait_five_by_seven() {
        assert!(is_one_inch_photo(295, 413));
        assert!(is_one_inch_photo(358, 441 + 60));
        assert!(!is_one_inch_photo(413, 295));
        assert!(!is_one_inch_photo(100, 140));
        assert!(!is_one_inch_photo(300, 300));
    }
}
