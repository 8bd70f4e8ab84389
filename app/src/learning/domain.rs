//! Online learning as plain rules, the same in the browser and on the server: the hour
//! counter of 在线选课, what a heartbeat of the player may claim, when a chapter and a
//! course are complete, and how a quiz is drawn and graded.

use crate::{
    catalogue::domain::{Category, Hours},
    error::{AppResult, Validation},
};
use serde::{Deserialize, Serialize};

// ---- 在线选课: the hour counter ----------------------------------------------------

/// "1.5学时".
pub fn hours_label(tenths: i64) -> String {
    format!("{}学时", Hours(tenths))
}

/// Hours in tenths per category (公需, 专业, 选修).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursByCategory {
    pub public: i64,
    pub professional: i64,
    pub elective: i64,
}

impl HoursByCategory {
    pub fn get(&self, category: Category) -> i64 {
        match category {
            Category::Public => self.public,
            Category::Professional => self.professional,
            Category::Elective => self.elective,
        }
    }

    pub fn add(&mut self, category: Category, tenths: i64) {
        match category {
            Category::Public => self.public += tenths,
            Category::Professional => self.professional += tenths,
            Category::Elective => self.elective += tenths,
        }
    }

    pub fn total(&self) -> i64 {
        self.public + self.professional + self.elective
    }

    pub fn sum<'a>(courses: impl IntoIterator<Item = &'a (Category, i64)>) -> Self {
        let mut sum = Self::default();
        for (category, tenths) in courses {
            sum.add(*category, *tenths);
        }
        sum
    }
}

/// Where a trainee's selection stands against the class's requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    pub required: HoursByCategory,
    pub selected: HoursByCategory,
}

impl Counter {
    pub fn new(required: HoursByCategory, selected: &[(Category, i64)]) -> Self {
        Self { required, selected: HoursByCategory::sum(selected) }
    }

    /// Hours still to select in a category (never negative).
    pub fn still_needed(&self, category: Category) -> i64 {
        (self.required.get(category) - self.selected.get(category)).max(0)
    }

    pub fn still_needed_total(&self) -> i64 {
        Category::ALL.iter().map(|c| self.still_needed(*c)).sum()
    }

    pub fn is_met(&self) -> bool {
        self.still_needed_total() == 0
    }

    /// A course may join the selection while its category still needs hours: the
    /// last course of a category may go past the requirement, no course after it.
    pub fn may_add(&self, category: Category) -> bool {
        self.still_needed(category) > 0
    }

    pub fn with(mut self, category: Category, tenths: i64) -> Self {
        self.selected.add(category, tenths);
        self
    }
}

/// Checks a whole selection the way the server re-checks what the browser sends:
/// courses are added one by one onto what is already confirmed, each allowed only
/// while its category still needs hours.
pub fn check_selection(
    required: HoursByCategory,
    confirmed: &[(Category, i64)],
    adding: &[(Category, i64)],
) -> Result<Counter, &'static str> {
    let mut counter = Counter::new(required, confirmed);
    for (category, tenths) in adding {
        if !counter.may_add(*category) {
            return Err("所选课程超出了该类别的学时要求");
        }
        counter = counter.with(*category, *tenths);
    }
    Ok(counter)
}

// ---- the player: what a heartbeat may claim ----------------------------------------

/// A stretch of a video, in milliseconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start: i64,
    pub end: i64,
}

impl Segment {
    pub fn len(&self) -> i64 {
        (self.end - self.start).max(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorted, non-overlapping segments (touching ones joined).
pub fn merge(segments: impl IntoIterator<Item = Segment>) -> Vec<Segment> {
    let mut all: Vec<Segment> = segments.into_iter().filter(|s| !s.is_empty()).collect();
    all.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Segment> = Vec::with_capacity(all.len());
    for segment in all {
        match merged.last_mut() {
            Some(last) if segment.start <= last.end => last.end = last.end.max(segment.end),
            _ => merged.push(segment),
        }
    }
    merged
}

pub fn covered(segments: &[Segment]) -> i64 {
    segments.iter().map(Segment::len).sum()
}

/// How far the video has been watched without a gap from its start: the end of the
/// first segment when it starts at 0.
pub fn furthest_from_start(segments: &[Segment]) -> i64 {
    match segments.first() {
        Some(first) if first.start <= TOLERANCE_MS => first.end,
        _ => 0,
    }
}

/// Slack for timer jitter between the browser's clock and the server's: how far a
/// segment may reach past the video's end or the furthest point watched, and the most
/// a playback may have credited ahead of the wall clock (see [`apply_heartbeat`]).
pub const TOLERANCE_MS: i64 = 2_000;
/// A chapter counts as watched at this share of its length (in per mille).
pub const CHAPTER_DONE_PER_MILLE: i64 = 980;

/// Why a heartbeat is refused; nothing of it is credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeartbeatRefused {
    /// More new coverage than could have played since the last heartbeat (at 1x).
    TooMuchForTheTime,
    /// A segment starts past what has been watched: a forward seek.
    SkippedAhead,
    /// A segment outside the video.
    OutOfRange,
}

impl HeartbeatRefused {
    pub fn message(self) -> &'static str {
        match self {
            Self::TooMuchForTheTime => "学习进度异常：观看时长与实际时间不符",
            Self::SkippedAhead => "请按顺序观看，不能跳过未学习的内容",
            Self::OutOfRange => "学习进度异常",
        }
    }
}

/// The outcome of an accepted heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credited {
    pub segments: Vec<Segment>,
    pub covered_ms: i64,
    pub newly_covered_ms: i64,
    /// The playback's slack after this heartbeat.
    pub slack_ms: i64,
}

/// Applies a heartbeat's segments to what is stored. Each new segment must begin
/// within what has already been watched from the start (no forward seeking), and the
/// coverage it adds must fit in the wall-clock time since the last accepted heartbeat
/// (playback is capped at 1x) plus the playback's `slack_ms`; otherwise nothing is
/// credited.
///
/// The slack absorbs jitter but does not renew with each heartbeat: what a heartbeat
/// credits beyond its elapsed time is taken from it, and only wall-clock time that went
/// uncredited gives it back (up to [`TOLERANCE_MS`]). So a playback is never credited
/// more than the wall-clock time it ran plus [`TOLERANCE_MS`], however many heartbeats
/// it sends.
pub fn apply_heartbeat(
    stored: &[Segment],
    claimed: &[Segment],
    duration_ms: i64,
    elapsed_ms: i64,
    slack_ms: i64,
) -> Result<Credited, HeartbeatRefused> {
    let mut watched = merge(stored.iter().copied());
    for segment in claimed {
        if segment.start < 0 || segment.end > duration_ms + TOLERANCE_MS || segment.end < segment.start {
            return Err(HeartbeatRefused::OutOfRange);
        }
        if segment.start > furthest_from_start(&watched) + TOLERANCE_MS {
            return Err(HeartbeatRefused::SkippedAhead);
        }
        let clipped = Segment { start: segment.start, end: segment.end.min(duration_ms) };
        watched = merge(watched.into_iter().chain(std::iter::once(clipped)));
    }
    let before = covered(&merge(stored.iter().copied()));
    let after = covered(&watched);
    let newly = after - before;
    let elapsed_ms = elapsed_ms.max(0);
    let slack_ms = slack_ms.clamp(0, TOLERANCE_MS);
    if newly > elapsed_ms + slack_ms {
        return Err(HeartbeatRefused::TooMuchForTheTime);
    }
    Ok(Credited {
        segments: watched,
        covered_ms: after,
        newly_covered_ms: newly,
        slack_ms: (slack_ms + elapsed_ms - newly).min(TOLERANCE_MS),
    })
}

/// Where the player resumes after an accepted heartbeat. The reported position moves
/// the resume point only when the heartbeat carries play time (segments watched since
/// the previous one, new or watched before, so seeking back and playing counts). A
/// player that has not played reports no position; and a heartbeat without play time
/// (an older player's beacon, still at 0:00, from a page left before pressing play)
/// keeps the stored point, so visiting the player without watching never loses it.
pub fn resume_position(
    stored_ms: i64,
    reported_ms: Option<i64>,
    claimed: &[Segment],
    duration_ms: i64,
) -> i64 {
    match reported_ms {
        Some(reported) if claimed.iter().any(|s| !s.is_empty()) => reported.clamp(0, duration_ms.max(0)),
        _ => stored_ms,
    }
}

/// Progress in per mille of a chapter's length.
pub fn per_mille(covered_ms: i64, duration_ms: i64) -> i64 {
    if duration_ms <= 0 { 0 } else { (covered_ms * 1000 / duration_ms).clamp(0, 1000) }
}

pub fn chapter_done(covered_ms: i64, duration_ms: i64) -> bool {
    duration_ms > 0 && per_mille(covered_ms, duration_ms) >= CHAPTER_DONE_PER_MILLE
}

/// A course is complete when every chapter is.
pub fn course_progress(chapters_done: usize, chapters: usize) -> i64 {
    (chapters_done * 100).checked_div(chapters).and_then(|p| i64::try_from(p).ok()).unwrap_or(0)
}

// ---- 课后测验 ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [Self::Single, Self::Multiple, Self::TrueFalse];

    pub fn code(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "true_false",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Single => "单选题",
            Self::Multiple => "多选题",
            Self::TrueFalse => "判断题",
        }
    }
}

crate::stored_code!(QuestionKind);

/// The pass line unless a course says otherwise.
pub const DEFAULT_PASS_SCORE: i64 = 60;

/// Letters of the options, `A`…; a true/false question answers `T` or `F`.
pub fn option_letter(index: usize) -> char {
    char::from(b'A' + u8::try_from(index).unwrap_or(0))
}

/// An answer as the set of chosen letters, tidied: upper case, sorted, no repeats,
/// only letters that name options (`T`/`F` for true/false).
pub fn normalise_answer(kind: QuestionKind, raw: &str, options: usize) -> String {
    let allowed: Vec<char> = match kind {
        QuestionKind::TrueFalse => vec!['T', 'F'],
        _ => (0..options).map(option_letter).collect(),
    };
    let mut letters: Vec<char> =
        raw.chars().map(|c| c.to_ascii_uppercase()).filter(|c| allowed.contains(c)).collect();
    letters.sort_unstable();
    letters.dedup();
    if kind != QuestionKind::Multiple {
        letters.truncate(1);
    }
    letters.into_iter().collect()
}

/// Whether an answer earns the question's points: single and true/false must match;
/// a multiple-choice answer must choose exactly the right options (a partial answer
/// earns nothing, as in the provincial systems).
pub fn is_correct(kind: QuestionKind, given: &str, expected: &str, options: usize) -> bool {
    let given = normalise_answer(kind, given, options);
    !given.is_empty() && given == normalise_answer(kind, expected, options)
}

/// A question of an attempt, as graded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradedAnswer {
    pub question_id: i64,
    pub given: String,
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub score: i64,
    pub passed: bool,
    pub answers: Vec<GradedAnswer>,
}

/// One question as the grader needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerKey {
    pub question_id: i64,
    pub kind: QuestionKind,
    pub options: usize,
    pub answer: String,
}

/// Grades an attempt: `points` per right answer, passed at `pass_score`.
pub fn grade(keys: &[AnswerKey], given: &[(i64, String)], points: i64, pass_score: i64) -> Grade {
    let answers: Vec<GradedAnswer> = keys
        .iter()
        .map(|key| {
            let raw =
                given.iter().find(|(id, _)| *id == key.question_id).map(|(_, a)| a.as_str()).unwrap_or("");
            let given = normalise_answer(key.kind, raw, key.options);
            let correct = is_correct(key.kind, &given, &key.answer, key.options);
            GradedAnswer { question_id: key.question_id, given, correct }
        })
        .collect();
    let score = answers.iter().filter(|a| a.correct).count() as i64 * points;
    Grade { score, passed: score >= pass_score, answers }
}

/// Picks `count` questions for a new attempt, those not seen before first, each
/// group in the order `shuffle` gives (the server passes a random shuffle; tests a
/// fixed one).
pub fn draw(bank: &[i64], seen: &[i64], count: usize, shuffle: impl Fn(&mut Vec<i64>)) -> Vec<i64> {
    let (mut fresh, mut repeated): (Vec<i64>, Vec<i64>) = bank.iter().partition(|id| !seen.contains(id));
    shuffle(&mut fresh);
    shuffle(&mut repeated);
    fresh.into_iter().chain(repeated).take(count).collect()
}

// ---- the provider's forms ------------------------------------------------------------

/// The course form as posted (strings: a flattened form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub quiz_count: String,
    #[serde(default)]
    pub quiz_points: String,
    #[serde(default)]
    pub pass_score: String,
}

#[derive(Debug)]
pub struct CheckedCourse {
    pub title: String,
    pub category: Category,
    pub hours_tenths: i64,
    pub description: String,
    pub quiz_count: i64,
    pub quiz_points: i64,
    pub pass_score: i64,
}

impl CourseForm {
    pub fn check(&self) -> AppResult<CheckedCourse> {
        let mut v = Validation::new();
        let title = self.title.trim();
        v.check(!title.is_empty() && title.chars().count() <= 100, "title", "请输入课程名称（不超过100字）");
        let category = Category::from_code(self.category.trim());
        v.check(category.is_some(), "category", "请选择课程类别");
        let hours = Hours::parse(&self.hours);
        if !matches!(hours, Ok(Hours(h)) if h > 0) {
            v.add("hours", "请输入学时，如 2 或 1.5");
        }
        let number = |text: &str| text.trim().parse::<i64>().ok();
        let quiz_count = number(&self.quiz_count).unwrap_or(0);
        v.check((1..=100).contains(&quiz_count), "quiz_count", "每次测验题数应在1到100之间");
        let quiz_points = number(&self.quiz_points).unwrap_or(0);
        v.check((1..=100).contains(&quiz_points), "quiz_points", "每题分值应在1到100之间");
        let pass_score = if self.pass_score.trim().is_empty() {
            Some(DEFAULT_PASS_SCORE)
        } else {
            number(&self.pass_score)
        };
        let pass_score = pass_score.unwrap_or(-1);
        v.check(
            pass_score > 0 && pass_score <= quiz_count * quiz_points,
            "pass_score",
            "及格分应大于0且不超过总分",
        );
        v.check(self.description.chars().count() <= 2000, "description", "课程简介不超过2000字");
        v.finish()?;
        Ok(CheckedCourse {
            title: title.to_owned(),
            category: category.unwrap_or(Category::Public),
            hours_tenths: hours.map(|h| h.0).unwrap_or_default(),
            description: self.description.trim().to_owned(),
            quiz_count,
            quiz_points,
            pass_score,
        })
    }
}

/// A question as typed in the console.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    pub course_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub stem: String,
    /// One option per line (not for true/false).
    #[serde(default)]
    pub options: String,
    /// Letters (A, AC) or T/F.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub explanation: String,
}

/// A question as [`check_question`] tidied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuestion {
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: String,
    pub explanation: String,
}

/// Checks a question and tidies it.
pub fn check_question(form: &QuestionForm) -> AppResult<CheckedQuestion> {
    let mut v = Validation::new();
    let kind = QuestionKind::from_code(form.kind.trim());
    v.check(kind.is_some(), "kind", "请选择题型");
    let kind = kind.unwrap_or(QuestionKind::Single);
    let stem = form.stem.trim();
    v.check(!stem.is_empty() && stem.chars().count() <= 500, "stem", "请输入题干（不超过500字）");
    let options: Vec<String> = if kind == QuestionKind::TrueFalse {
        Vec::new()
    } else {
        form.options.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    };
    if kind != QuestionKind::TrueFalse {
        v.check((2..=8).contains(&options.len()), "options", "请输入2到8个选项，每行一个");
    }
    let count = if kind == QuestionKind::TrueFalse { 2 } else { options.len() };
    let answer = normalise_answer(kind, form.answer.trim(), count);
    let answer_ok = match kind {
        QuestionKind::Multiple => answer.len() >= 2,
        _ => answer.len() == 1,
    };
    v.check(
        answer_ok,
        "answer",
        match kind {
            QuestionKind::TrueFalse => "判断题答案请填 T（正确）或 F（错误）",
            QuestionKind::Multiple => "多选题请填写至少两个正确选项的字母，如 AC",
            QuestionKind::Single => "请填写正确选项的字母，如 B",
        },
    );
    v.check(form.explanation.chars().count() <= 1000, "explanation", "题析不超过1000字");
    v.finish()?;
    Ok(CheckedQuestion {
        kind,
        stem: stem.to_owned(),
        options,
        answer,
        explanation: form.explanation.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;

    fn required() -> HoursByCategory {
        HoursByCategory { public: 30, professional: 60, elective: 0 }
    }

    #[test]
    fn the_counter_shows_what_is_still_needed() {
        let counter = Counter::new(required(), &[(Public, 20), (Professional, 15)]);
        assert_eq!(counter.still_needed(Public), 10);
        assert_eq!(counter.still_needed(Professional), 45);
        assert_eq!(counter.still_needed(Elective), 0);
        assert_eq!(counter.still_needed_total(), 55);
        assert!(!counter.is_met());
        let met = counter.with(Public, 15).with(Professional, 45);
        assert!(met.is_met());
        assert_eq!(met.still_needed(Public), 0, "over the requirement is not negative");
    }

    #[test]
    fn a_course_joins_only_while_its_category_needs_hours() {
        let counter = Counter::new(required(), &[(Public, 30)]);
        assert!(!counter.may_add(Public));
        assert!(counter.may_add(Professional));
        assert!(!counter.may_add(Elective), "the class requires no 选修");
        // The last course may go past the requirement; nothing after it.
        assert!(check_selection(required(), &[(Professional, 50)], &[(Professional, 20)]).is_ok());
        assert!(
            check_selection(required(), &[(Professional, 50)], &[(Professional, 20), (Professional, 5)])
                .is_err()
        );
        assert!(check_selection(required(), &[], &[(Elective, 10)]).is_err());
        let counter =
            check_selection(required(), &[(Public, 15)], &[(Public, 15), (Professional, 60)]).unwrap();
        assert!(counter.is_met());
    }

    fn s(start: i64, end: i64) -> Segment {
        Segment { start, end }
    }

    #[test]
    fn segments_merge_into_sorted_disjoint_stretches() {
        assert_eq!(merge([s(5, 10), s(0, 3), s(3, 4), s(8, 12), s(20, 20)]), vec![s(0, 4), s(5, 12)]);
        assert_eq!(covered(&merge([s(0, 10), s(5, 15)])), 15);
        assert_eq!(furthest_from_start(&merge([s(0, 10), s(20, 30)])), 10);
        assert_eq!(furthest_from_start(&[s(5_000, 9_000)]), 0);
    }

    #[test]
    fn heartbeats_credit_only_what_could_have_played() {
        // 10 s of a 60 s video, 10 s after the last heartbeat: fine.
        let ok =
            apply_heartbeat(&[s(0, 20_000)], &[s(20_000, 30_000)], 60_000, 10_000, TOLERANCE_MS).unwrap();
        assert_eq!((ok.covered_ms, ok.newly_covered_ms), (30_000, 10_000));
        // 30 s claimed after 10 s: refused.
        assert_eq!(
            apply_heartbeat(&[s(0, 20_000)], &[s(20_000, 50_000)], 60_000, 10_000, TOLERANCE_MS),
            Err(HeartbeatRefused::TooMuchForTheTime)
        );
        // Watching again what was covered adds nothing, so it always fits.
        let again = apply_heartbeat(&[s(0, 20_000)], &[s(0, 20_000)], 60_000, 0, TOLERANCE_MS).unwrap();
        assert_eq!(again.newly_covered_ms, 0);
        // Jitter within the tolerance is accepted.
        assert!(apply_heartbeat(&[], &[s(0, 11_500)], 60_000, 10_000, TOLERANCE_MS).is_ok());
    }

    #[test]
    fn the_slack_does_not_add_up_over_heartbeats() {
        // Two seconds ahead of the clock, once: accepted, and the slack is spent.
        let first = apply_heartbeat(&[], &[s(0, 2_000)], 60_000, 0, TOLERANCE_MS).unwrap();
        assert_eq!(first.slack_ms, 0);
        // Another two seconds at once after it: refused, however often it is tried.
        assert_eq!(
            apply_heartbeat(&first.segments, &[s(2_000, 4_000)], 60_000, 5, first.slack_ms),
            Err(HeartbeatRefused::TooMuchForTheTime)
        );
        // Time that goes uncredited gives the slack back, up to the tolerance.
        let later =
            apply_heartbeat(&first.segments, &[s(2_000, 12_000)], 60_000, 11_000, first.slack_ms).unwrap();
        assert_eq!(later.slack_ms, 1_000);
        let paused = apply_heartbeat(&later.segments, &[], 60_000, 30_000, later.slack_ms).unwrap();
        assert_eq!(paused.slack_ms, TOLERANCE_MS);
        // Steady 1x playback with small jitter either way keeps going.
        let mut slack = TOLERANCE_MS;
        let mut stored = vec![];
        for (i, elapsed) in [9_900, 10_100, 9_800, 10_200, 10_000].into_iter().enumerate() {
            let at = i64::try_from(i).unwrap() * 10_000;
            let beat = apply_heartbeat(&stored, &[s(at, at + 10_000)], 60_000, elapsed, slack).unwrap();
            (stored, slack) = (beat.segments, beat.slack_ms);
        }
        assert_eq!(covered(&stored), 50_000);
    }

    #[test]
    fn forward_seeks_and_impossible_segments_are_refused() {
        assert_eq!(
            apply_heartbeat(&[s(0, 10_000)], &[s(30_000, 35_000)], 60_000, 60_000, TOLERANCE_MS),
            Err(HeartbeatRefused::SkippedAhead)
        );
        assert_eq!(
            apply_heartbeat(&[], &[s(0, 90_000)], 60_000, 100_000, TOLERANCE_MS),
            Err(HeartbeatRefused::OutOfRange)
        );
        assert_eq!(
            apply_heartbeat(&[], &[s(-5, 10)], 60_000, 100_000, TOLERANCE_MS),
            Err(HeartbeatRefused::OutOfRange)
        );
        // Backward is free.
        assert!(apply_heartbeat(&[s(0, 40_000)], &[s(5_000, 15_000)], 60_000, 10_000, TOLERANCE_MS).is_ok());
    }

    #[test]
    fn only_a_heartbeat_with_play_time_moves_the_resume_point() {
        // Watched to 30 s: the point follows the player.
        assert_eq!(resume_position(0, Some(30_000), &[s(20_000, 30_000)], 60_000), 30_000);
        // A fresh player that never played, at 0:00 (no segments): the point stays.
        assert_eq!(resume_position(30_000, Some(0), &[], 60_000), 30_000);
        assert_eq!(resume_position(30_000, Some(0), &[s(0, 0)], 60_000), 30_000);
        // No position reported at all: the point stays.
        assert_eq!(resume_position(30_000, None, &[s(30_000, 40_000)], 60_000), 30_000);
        // Sought back and watched again (no new coverage, but play time): it moves back.
        assert_eq!(resume_position(30_000, Some(8_000), &[s(5_000, 8_000)], 60_000), 8_000);
        // Kept inside the video.
        assert_eq!(resume_position(0, Some(90_000), &[s(50_000, 60_000)], 60_000), 60_000);
        assert_eq!(resume_position(0, Some(-5), &[s(0, 1_000)], 60_000), 0);
    }

    #[test]
    fn chapters_are_done_at_98_per_cent_and_courses_at_all_chapters() {
        assert!(!chapter_done(58_000, 60_000));
        assert!(chapter_done(58_800, 60_000));
        assert!(!chapter_done(0, 0));
        assert_eq!(per_mille(30_000, 60_000), 500);
        assert_eq!(course_progress(2, 3), 66);
        assert_eq!(course_progress(3, 3), 100);
        assert_eq!(course_progress(0, 0), 0);
    }

    fn key(id: i64, kind: QuestionKind, answer: &str) -> AnswerKey {
        AnswerKey {
            question_id: id,
            kind,
            options: if kind == QuestionKind::TrueFalse { 2 } else { 4 },
            answer: answer.into(),
        }
    }

    #[test]
    fn grading_single_multiple_and_true_false() {
        use QuestionKind::*;
        assert!(is_correct(Single, "b", "B", 4));
        assert!(!is_correct(Single, "", "B", 4));
        assert!(is_correct(Multiple, "CA", "AC", 4));
        assert!(!is_correct(Multiple, "A", "AC", 4), "a partial answer earns nothing");
        assert!(!is_correct(Multiple, "ACD", "AC", 4));
        assert!(is_correct(TrueFalse, "t", "T", 2));
        assert!(!is_correct(TrueFalse, "F", "T", 2));
        assert_eq!(normalise_answer(Multiple, "ccaz", 4), "AC", "repeats and unknown letters dropped");
        assert_eq!(normalise_answer(Single, "CA", 4), "A", "one letter for a single choice");

        let keys = [key(1, Single, "B"), key(2, Multiple, "AC"), key(3, TrueFalse, "F"), key(4, Single, "D")];
        let given = vec![(1, "B".to_owned()), (2, "A".to_owned()), (3, "F".to_owned())];
        let grade = grade(&keys, &given, 25, DEFAULT_PASS_SCORE);
        assert_eq!(grade.score, 50);
        assert!(!grade.passed);
        assert_eq!(grade.answers.iter().map(|a| a.correct).collect::<Vec<_>>(), [true, false, true, false]);
        assert_eq!(grade.answers[3].given, "", "unanswered");
        let full = vec![(1, "B".into()), (2, "CA".into()), (3, "F".into()), (4, "d".into())];
        let passed = super::grade(&keys, &full, 25, DEFAULT_PASS_SCORE);
        assert_eq!((passed.score, passed.passed), (100, true));
    }

    #[test]
    fn new_attempts_prefer_questions_not_seen_before() {
        let bank = [1, 2, 3, 4, 5, 6];
        let keep = |_: &mut Vec<i64>| {};
        assert_eq!(draw(&bank, &[1, 2, 3], 4, keep), vec![4, 5, 6, 1]);
        assert_eq!(draw(&bank, &[], 3, keep), vec![1, 2, 3]);
        assert_eq!(draw(&bank, &bank, 10, keep).len(), 6);
        let reverse = |v: &mut Vec<i64>| v.reverse();
        assert_eq!(draw(&bank, &[6], 2, reverse), vec![5, 4]);
    }

    #[test]
    fn questions_are_checked_by_kind() {
        let single = QuestionForm {
            kind: "single".into(),
            stem: "题".into(),
            options: "甲\n乙\n丙".into(),
            answer: "b".into(),
            ..Default::default()
        };
        assert_eq!(check_question(&single).unwrap().answer, "B");
        let out_of_range = QuestionForm { answer: "D".into(), ..single.clone() };
        assert!(check_question(&out_of_range).unwrap_err().field("answer").is_some());
        let multiple = QuestionForm { kind: "multiple".into(), answer: "CA".into(), ..single.clone() };
        assert_eq!(check_question(&multiple).unwrap().answer, "AC");
        let one = QuestionForm { answer: "A".into(), ..multiple };
        assert!(check_question(&one).is_err(), "a multiple choice needs two answers");
        let tf =
            QuestionForm { kind: "true_false".into(), options: String::new(), answer: "t".into(), ..single };
        assert_eq!(check_question(&tf).unwrap().answer, "T");
    }

    #[test]
    fn courses_need_hours_and_a_reachable_pass_line() {
        let form = CourseForm {
            title: "职业道德".into(),
            category: "public".into(),
            hours: "1.5".into(),
            quiz_count: "5".into(),
            quiz_points: "20".into(),
            ..Default::default()
        };
        let checked = form.check().unwrap();
        assert_eq!((checked.hours_tenths, checked.pass_score), (15, 60));
        let unreachable = CourseForm { pass_score: "120".into(), ..form.clone() };
        assert!(unreachable.check().unwrap_err().field("pass_score").is_some());
        let no_hours = CourseForm { hours: "0".into(), ..form };
        assert!(no_hours.check().unwrap_err().field("hours").is_some());
    }
}
