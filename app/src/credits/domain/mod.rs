//! 学时: where an hour came from, the authority's yearly requirement, and the one
//! evaluation that answers "has this person met it?" for 学时完成情况, the unit's view
//! and the public 学时查询 alike. Plain Rust, shared with the browser.

use crate::catalogue::domain::{Category, Hours};
use serde::{Deserialize, Serialize};

pub mod declarations;
pub mod unit_declaration;

/// Where a ledger row's hours came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An online course passed (its quiz).
    Course,
    /// An offline class completed.
    OfflineClass,
    /// A 继续教育记录 the trainee declared and the unit approved.
    Declaration,
    /// Hours the unit declared for its staff (其他继续教育形式申报).
    UnitDeclared,
    /// Carried over from an earlier system.
    Import,
    /// Added or taken away by the authority, with a reason.
    Adjustment,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Self::Course,
        Self::OfflineClass,
        Self::Declaration,
        Self::UnitDeclared,
        Self::Import,
        Self::Adjustment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Course => "course",
            Self::OfflineClass => "offline_class",
            Self::Declaration => "declaration",
            Self::UnitDeclared => "unit_declared",
            Self::Import => "import",
            Self::Adjustment => "adjustment",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Course => "在线学习",
            Self::OfflineClass => "线下培训",
            Self::Declaration => "个人申报",
            Self::UnitDeclared => "单位申报",
            Self::Import => "历史导入",
            Self::Adjustment => "学时调整",
        }
    }
}

crate::stored_code!(Source);

/// At most `max` hours a year count from one source (or one declaration type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap {
    /// A [`Source`] code, or a declaration type's code.
    pub kind: String,
    /// What the trainee reads, such as "单位申报" or "学术会议".
    pub label: String,
    pub max: Hours,
}

/// One year's requirement as the authority set it (one version of it: a change is a
/// new version, so a certificate judged under an older one can still say which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub year: i64,
    pub version: i64,
    pub total: Hours,
    pub public: Hours,
    pub professional: Hours,
    pub elective: Hours,
    /// 专业科目不少于总学时的三分之二.
    pub professional_two_thirds: bool,
    pub caps: Vec<Cap>,
}

impl Requirement {
    /// The least a category must hold; the two-thirds rule raises 专业 to ⌈⅔ total⌉.
    pub fn minimum(&self, category: Category) -> Hours {
        match category {
            Category::Public => self.public,
            Category::Professional if self.professional_two_thirds => {
                Hours(self.professional.0.max((self.total.0 * 2 + 2) / 3))
            }
            Category::Professional => self.professional,
            Category::Elective => self.elective,
        }
    }

    /// The requirement in words, for the trainee.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!("{}年度须完成继续教育 {} 学时。", self.year, self.total)];
        let minimums: Vec<String> = Category::ALL
            .into_iter()
            .filter(|c| self.minimum(*c).0 > 0)
            .map(|c| format!("{}科目不少于 {} 学时", c.label(), self.minimum(c)))
            .collect();
        if !minimums.is_empty() {
            lines.push(format!("其中{}。", minimums.join("，")));
        }
        if self.professional_two_thirds {
            lines.push("专业科目不少于总学时的三分之二。".to_owned());
        }
        for cap in &self.caps {
            lines.push(format!("{}每年最多计入 {} 学时，超出部分不计。", cap.label, cap.max));
        }
        lines
    }
}

/// What the ledger holds for one year, category and kind: the sum of its rows,
/// reversals included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerSum {
    pub category: Category,
    pub source: Source,
    /// The declaration type's code for declared hours, else empty.
    pub kind: String,
    pub tenths: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryProgress {
    pub category: Category,
    /// What counts (after caps).
    pub earned: Hours,
    pub required: Hours,
    pub missing: Hours,
}

/// A cap that cut something: what was held and what counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapApplied {
    pub label: String,
    pub max: Hours,
    pub held: Hours,
}

/// One year of one person, judged against its requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub year: i64,
    /// None when the authority has set no requirement for the year.
    pub requirement: Option<Requirement>,
    pub categories: Vec<CategoryProgress>,
    pub earned: Hours,
    pub required: Hours,
    pub missing: Hours,
    pub capped: Vec<CapApplied>,
    /// Every category and the total reach the requirement.
    pub met: bool,
}

impl Completion {
    pub fn category(&self, category: Category) -> Option<&CategoryProgress> {
        self.categories.iter().find(|p| p.category == category)
    }

    /// "已达标", "未达标" or "暂无要求".
    pub fn verdict(&self) -> &'static str {
        match (&self.requirement, self.met) {
            (None, _) => "暂无学时要求",
            (Some(_), true) => "已达标",
            (Some(_), false) => "未达标",
        }
    }

    /// What is missing, in words ("公需还差 5 学时，总学时还差 5 学时"), empty when met.
    pub fn shortfall(&self) -> String {
        let mut parts: Vec<String> = self
            .categories
            .iter()
            .filter(|p| p.missing.0 > 0)
            .map(|p| format!("{}还差 {} 学时", p.category.label(), p.missing))
            .collect();
        if self.missing.0 > 0 {
            parts.push(format!("总学时还差 {} 学时", self.missing));
        }
        parts.join("，")
    }
}

/// The order a cap takes its excess from: 选修 first, 专业 last, so the scarcest hours
/// are the last to be cut.
const CUT_ORDER: [Category; 3] = [Category::Elective, Category::Public, Category::Professional];

/// Judges one year's ledger sums against the year's requirement. Every view reads
/// this one function, so they cannot disagree.
pub fn evaluate(year: i64, requirement: Option<&Requirement>, sums: &[LedgerSum]) -> Completion {
    let mut per_category = [0i64; 3];
    let index = |c: Category| Category::ALL.iter().position(|x| *x == c).unwrap_or_default();
    let mut capped = Vec::new();
    // What each cap lets through, taken per category in the cut order.
    let mut counted: Vec<(usize, i64)> = Vec::new();
    let mut consumed = vec![false; sums.len()];
    for cap in requirement.map(|r| r.caps.as_slice()).unwrap_or_default() {
        let mut held = [0i64; 3];
        for (i, sum) in sums.iter().enumerate() {
            if !consumed[i]
                && (sum.source.code() == cap.kind || (!sum.kind.is_empty() && sum.kind == cap.kind))
            {
                held[index(sum.category)] += sum.tenths;
                consumed[i] = true;
            }
        }
        let total_held: i64 = held.iter().map(|h| h.max(&0)).sum();
        let mut excess = (total_held - cap.max.0).max(0);
        for category in CUT_ORDER {
            let slot = &mut held[index(category)];
            let cut = excess.min((*slot).max(0));
            *slot -= cut;
            excess -= cut;
        }
        if total_held > cap.max.0 {
            capped.push(CapApplied { label: cap.label.clone(), max: cap.max, held: Hours(total_held) });
        }
        counted.extend(held.iter().enumerate().map(|(i, h)| (i, *h)));
    }
    for (i, sum) in sums.iter().enumerate() {
        if !consumed[i] {
            per_category[index(sum.category)] += sum.tenths;
        }
    }
    for (i, tenths) in counted {
        per_category[i] += tenths;
    }
    let categories: Vec<CategoryProgress> = Category::ALL
        .into_iter()
        .map(|category| {
            let earned = per_category[index(category)].max(0);
            let required = requirement.map(|r| r.minimum(category).0).unwrap_or_default();
            CategoryProgress {
                category,
                earned: Hours(earned),
                required: Hours(required),
                missing: Hours((required - earned).max(0)),
            }
        })
        .collect();
    let earned: i64 = categories.iter().map(|p| p.earned.0).sum();
    let required = requirement.map(|r| r.total.0).unwrap_or_default();
    let missing = (required - earned).max(0);
    let met = requirement.is_some() && missing == 0 && categories.iter().all(|p| p.missing.0 == 0);
    Completion {
        year,
        requirement: requirement.cloned(),
        categories,
        earned: Hours(earned),
        required: Hours(required),
        missing: Hours(missing),
        capped,
        met,
    }
}

pub const YEAR_MIN: i64 = 2000;
pub const YEAR_MAX: i64 = 2100;

/// The requirement form as posted, all text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequirementForm {
    pub year: String,
    pub total: String,
    pub public: String,
    pub professional: String,
    pub elective: String,
    /// "on" when ticked.
    pub professional_two_thirds: String,
    /// At most this many hours a year from 单位申报 (empty: no cap).
    pub unit_declared_cap: String,
    /// At most this many hours a year from 个人申报 (empty: no cap).
    pub declaration_cap: String,
    /// `cap_<kind>`: at most this many hours a year from one 继续教育类型.
    #[serde(flatten)]
    pub kind_caps: std::collections::BTreeMap<String, String>,
}

/// A checked requirement, ready to be stored as a new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequirement {
    pub year: i64,
    pub total: Hours,
    pub public: Hours,
    pub professional: Hours,
    pub elective: Hours,
    pub professional_two_thirds: bool,
    pub caps: Vec<Cap>,
}

impl RequirementForm {
    /// Checks every field; the error names the field and says what is wrong. `kinds`
    /// are the 继续教育类型 (code, name) a cap may name.
    pub fn parse(&self, kinds: &[(String, String)]) -> Result<NewRequirement, (String, String)> {
        let year: i64 =
            self.year.trim().parse().map_err(|_| ("year".to_owned(), "请输入年度，如 2026".to_owned()))?;
        if !(YEAR_MIN..=YEAR_MAX).contains(&year) {
            return Err(("year".to_owned(), format!("年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间")));
        }
        let hours =
            |field: &str, text: &str| Hours::parse(text).map_err(|e| (field.to_owned(), e.to_owned()));
        let total = hours("total", &self.total)?;
        if total.0 == 0 {
            return Err(("total".to_owned(), "请输入总学时".to_owned()));
        }
        let public = hours("public", &self.public)?;
        let professional = hours("professional", &self.professional)?;
        let elective = hours("elective", &self.elective)?;
        if public.0 + professional.0 + elective.0 > total.0 {
            return Err(("total".to_owned(), "总学时不能少于各类别最低学时之和".to_owned()));
        }
        let mut caps = Vec::new();
        for (field, text, source) in [
            ("unit_declared_cap", &self.unit_declared_cap, Source::UnitDeclared),
            ("declaration_cap", &self.declaration_cap, Source::Declaration),
        ] {
            if !text.trim().is_empty() {
                caps.push(Cap {
                    kind: source.code().to_owned(),
                    label: source.label().to_owned(),
                    max: hours(field, text)?,
                });
            }
        }
        for (code, name) in kinds {
            let field = format!("cap_{code}");
            if let Some(text) = self.kind_caps.get(&field).filter(|t| !t.trim().is_empty()) {
                caps.push(Cap { kind: code.clone(), label: name.clone(), max: hours(&field, text)? });
            }
        }
        Ok(NewRequirement {
            year,
            total,
            public,
            professional,
            elective,
            professional_two_thirds: self.professional_two_thirds == "on",
            caps,
        })
    }
}

/// Hours with their sign, as a ledger row shows them: "+12 学时", "−1.5 学时".
pub fn signed_hours(tenths: i64) -> String {
    if tenths < 0 { format!("−{} 学时", Hours(-tenths)) } else { format!("+{} 学时", Hours(tenths)) }
}

/// The years a 计入年度 may name at `this_year`: this year or last.
pub fn declarable_years(this_year: i64) -> [i64; 2] {
    [this_year, this_year - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn national(year: i64) -> Requirement {
        Requirement {
            year,
            version: 1,
            total: Hours(900),
            public: Hours(300),
            professional: Hours(0),
            elective: Hours(0),
            professional_two_thirds: true,
            caps: vec![],
        }
    }

    fn sum(category: Category, source: Source, tenths: i64) -> LedgerSum {
        LedgerSum { category, source, kind: String::new(), tenths }
    }

    #[test]
    fn every_category_and_the_total_must_be_reached() {
        let rule = national(2026);
        let done = evaluate(
            2026,
            Some(&rule),
            &[sum(Category::Public, Source::Course, 300), sum(Category::Professional, Source::Course, 600)],
        );
        assert!(done.met, "{done:?}");
        assert_eq!(done.verdict(), "已达标");
        assert_eq!(done.shortfall(), "");

        let short = evaluate(
            2026,
            Some(&rule),
            &[sum(Category::Public, Source::Course, 250), sum(Category::Professional, Source::Course, 650)],
        );
        assert!(!short.met, "enough in all, yet 公需 is short");
        assert_eq!(short.category(Category::Public).unwrap().missing, Hours(50));
        assert_eq!(short.missing, Hours(0));
        assert_eq!(short.shortfall(), "公需还差 5 学时");
    }

    #[test]
    fn the_two_thirds_rule_raises_professional_and_rounds_up() {
        let mut rule = national(2026);
        assert_eq!(rule.minimum(Category::Professional), Hours(600));
        rule.total = Hours(905);
        // ⅔ × 90.5 = 60.33…, rounded up to the next tenth.
        assert_eq!(rule.minimum(Category::Professional), Hours(604));
        rule.professional = Hours(700);
        assert_eq!(rule.minimum(Category::Professional), Hours(700), "an explicit higher minimum wins");
        rule.professional_two_thirds = false;
        rule.professional = Hours(0);
        assert_eq!(rule.minimum(Category::Professional), Hours(0));
        let elective_only =
            evaluate(2026, Some(&national(2026)), &[sum(Category::Elective, Source::Course, 900)]);
        assert!(!elective_only.met);
        assert_eq!(elective_only.category(Category::Professional).unwrap().missing, Hours(600));
        assert_eq!(elective_only.shortfall(), "公需还差 30 学时，专业还差 60 学时");
    }

    #[test]
    fn a_cap_counts_at_most_its_hours_and_cuts_elective_first() {
        let mut rule = national(2026);
        rule.caps.push(Cap { kind: "conference".into(), label: "学术会议".into(), max: Hours(300) });
        let conference = |category, tenths| LedgerSum {
            category,
            source: Source::Declaration,
            kind: "conference".into(),
            tenths,
        };
        let done = evaluate(
            2026,
            Some(&rule),
            &[
                conference(Category::Professional, 250),
                conference(Category::Elective, 150),
                sum(Category::Elective, Source::Course, 20),
            ],
        );
        assert_eq!(done.category(Category::Professional).unwrap().earned, Hours(250));
        // 40 held from conferences, 30 count: 10 cut from 选修, where the course's 2 stay.
        assert_eq!(done.category(Category::Elective).unwrap().earned, Hours(70));
        assert_eq!(done.earned, Hours(320));
        assert_eq!(
            done.capped,
            vec![CapApplied { label: "学术会议".into(), max: Hours(300), held: Hours(400) }]
        );
        // A source cap matches by the source's code.
        rule.caps = vec![Cap { kind: "unit_declared".into(), label: "单位申报".into(), max: Hours(100) }];
        let unit = evaluate(2026, Some(&rule), &[sum(Category::Public, Source::UnitDeclared, 300)]);
        assert_eq!(unit.category(Category::Public).unwrap().earned, Hours(100));
        assert!(rule.describe().iter().any(|line| line == "单位申报每年最多计入 10 学时，超出部分不计。"));
    }

    #[test]
    fn a_reversal_takes_its_hours_back() {
        let rule = national(2026);
        let sums = [
            sum(Category::Public, Source::Declaration, 300 - 300),
            sum(Category::Public, Source::Course, 100),
        ];
        let done = evaluate(2026, Some(&rule), &sums);
        assert_eq!(done.category(Category::Public).unwrap().earned, Hours(100));
        // A faulty negative sum never shows below zero.
        let odd = evaluate(2026, Some(&rule), &[sum(Category::Public, Source::Adjustment, -50)]);
        assert_eq!(odd.category(Category::Public).unwrap().earned, Hours(0));
        assert_eq!(odd.earned, Hours(0));
    }

    #[test]
    fn without_a_requirement_nothing_is_met_or_missing() {
        let done = evaluate(2025, None, &[sum(Category::Public, Source::Import, 120)]);
        assert!(!done.met);
        assert_eq!(done.verdict(), "暂无学时要求");
        assert_eq!(done.earned, Hours(120));
        assert_eq!(done.missing, Hours(0));
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let form = RequirementForm {
            year: "2026".into(),
            total: "90".into(),
            public: "30".into(),
            professional: "".into(),
            elective: "".into(),
            professional_two_thirds: "on".into(),
            unit_declared_cap: "30".into(),
            declaration_cap: "".into(),
            kind_caps: [
                ("cap_conference".to_owned(), "30".to_owned()),
                ("cap_unknown".to_owned(), "5".to_owned()),
            ]
            .into_iter()
            .collect(),
        };
        let kinds = [("conference".to_owned(), "学术会议".to_owned())];
        let parsed = form.parse(&kinds).unwrap();
        assert_eq!((parsed.year, parsed.total, parsed.public), (2026, Hours(900), Hours(300)));
        assert!(parsed.professional_two_thirds);
        assert_eq!(parsed.caps.len(), 2, "a cap of no known kind is left out");
        assert_eq!(parsed.caps[0].kind, "unit_declared");
        assert_eq!((parsed.caps[1].kind.as_str(), parsed.caps[1].max), ("conference", Hours(300)));
        let bad = |change: fn(&mut RequirementForm)| {
            let mut f = form.clone();
            change(&mut f);
            f.parse(&[("conference".to_owned(), "学术会议".to_owned())]).unwrap_err().0
        };
        assert_eq!(bad(|f| f.year = "二〇二六".into()), "year");
        assert_eq!(bad(|f| f.year = "1999".into()), "year");
        assert_eq!(bad(|f| f.total = "".into()), "total");
        assert_eq!(bad(|f| f.public = "91".into()), "total");
        assert_eq!(bad(|f| f.elective = "1.55".into()), "elective");
        assert_eq!(bad(|f| f.unit_declared_cap = "𝟘".into()), "unit_declared_cap");
        assert_eq!(
            bad(|f| f.kind_caps.insert("cap_conference".into(), "三十".into()).map(drop).unwrap_or(())),
            "cap_conference"
        );
    }

    #[test]
    fn ledger_hours_show_their_sign() {
        assert_eq!(signed_hours(120), "+12 学时");
        assert_eq!(signed_hours(-15), "−1.5 学时");
    }

    #[test]
    fn a_declaration_counts_for_this_year_or_last() {
        assert_eq!(declarable_years(2026), [2026, 2025]);
    }
}
