//! 其它继续教育形式申报 by a unit: the rules of its content and hours, for the form
//! (the same hours for ticked staff) and for a spreadsheet (one row per person:
//! 身份证号, 姓名, 学时, 培训内容).

use crate::accounts::domain::identity::IdNumber;
use crate::catalogue::domain::Hours;

/// The columns of the import template, in order. 姓名 may be left empty; when given
/// it must match the person's name.
pub const IMPORT_COLUMNS: [&str; 4] = ["身份证号", "姓名", "学时", "培训内容"];
/// The most people one imported file declares for.
pub const IMPORT_MAX_PEOPLE: usize = 2000;
/// The most problems one refusal lists (the rest are counted).
pub const IMPORT_MAX_PROBLEMS: usize = 20;
pub const TITLE_MAX_CHARS: usize = 100;

/// 培训内容: required, at most 100 characters, no control characters.
pub fn check_title(title: &str) -> Result<&str, &'static str> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS || title.chars().any(char::is_control) {
        return Err("请填写培训内容（不超过 100 字）");
    }
    Ok(title)
}

/// Hours that must be given: more than zero, at most one decimal.
pub fn required_hours(text: &str) -> Result<Hours, &'static str> {
    match Hours::parse(text)? {
        Hours(0) => Err("请填写学时"),
        hours => Ok(hours),
    }
}

/// One person's row of an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffHoursRow {
    pub line: u32,
    pub id_number: IdNumber,
    /// As written ('' when the column was left empty).
    pub name: String,
    pub hours: Hours,
    pub title: String,
}

/// Whether a row is the template's header rather than a person.
pub fn is_header(cells: &[&str]) -> bool {
    cells.first().is_some_and(|c| c.trim_start_matches('\u{feff}').trim() == IMPORT_COLUMNS[0])
}

/// Reads the rows of a file (`line`, cells): every row checked, every problem named by
/// its line so the unit fixes the file in one go. A person twice in the file is a
/// problem (each person is declared once per file).
pub fn parse_import(rows: &[(u32, Vec<&str>)]) -> Result<Vec<StaffHoursRow>, Vec<String>> {
    let mut people: Vec<StaffHoursRow> = Vec::new();
    let mut problems = Vec::new();
    for (index, (line, cells)) in rows.iter().enumerate() {
        if index == 0 && is_header(cells) {
            continue;
        }
        let cell = |i: usize| cells.get(i).copied().unwrap_or_default().trim();
        let mut row_problems = Vec::new();
        // Its messages name the column already ("身份证号应为18位").
        let id_number = IdNumber::parse(cell(0)).map_err(|e| row_problems.push(e.message().to_owned()));
        let hours = required_hours(cell(2)).map_err(|e| row_problems.push(format!("学时：{e}")));
        let title = check_title(cell(3)).map_err(|e| row_problems.push(e.to_owned()));
        let name = cell(1);
        if name.chars().count() > 50 || name.chars().any(char::is_control) {
            row_problems.push("姓名不正确".to_owned());
        }
        match (id_number, hours, title) {
            (Ok(id_number), Ok(hours), Ok(title)) if row_problems.is_empty() => {
                if let Some(first) = people.iter().find(|p| p.id_number == id_number) {
                    problems.push(format!("第 {line} 行：与第 {} 行是同一人", first.line));
                    continue;
                }
                people.push(StaffHoursRow {
                    line: *line,
                    id_number,
                    name: name.to_owned(),
                    hours,
                    title: title.to_owned(),
                });
            }
            _ => problems.push(format!("第 {line} 行：{}", row_problems.join("；"))),
        }
    }
    if people.is_empty() && problems.is_empty() {
        problems.push("文件中没有人员数据".to_owned());
    }
    if people.len() > IMPORT_MAX_PEOPLE {
        problems.push(format!("一个文件最多申报 {IMPORT_MAX_PEOPLE} 人"));
    }
    if problems.is_empty() { Ok(people) } else { Err(problems) }
}

/// The refusal of a file in one message: the first problems, and how many more.
pub fn describe_problems(problems: &[String]) -> String {
    let shown = problems.iter().take(IMPORT_MAX_PROBLEMS).cloned().collect::<Vec<_>>().join("；");
    match problems.len().saturating_sub(IMPORT_MAX_PROBLEMS) {
        0 => format!("文件未导入：{shown}"),
        more => format!("文件未导入：{shown}；另有 {more} 处问题"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZHANG: &str = "11010519491231002X";
    const LI: &str = "110101199003074477";

    fn rows<'a>(table: &[&[&'a str]]) -> Vec<(u32, Vec<&'a str>)> {
        table.iter().enumerate().map(|(i, cells)| (u32::try_from(i + 1).unwrap(), cells.to_vec())).collect()
    }

    #[test]
    fn a_good_file_reads_every_person_with_their_own_hours() {
        let people = parse_import(&rows(&[
            &IMPORT_COLUMNS,
            &[ZHANG, "张三", "8", "安全生产培训"],
            &[LI, "", "1.5", "职业道德"],
        ]))
        .unwrap();
        assert_eq!(people.len(), 2);
        assert_eq!(
            (people[0].line, people[0].hours, people[0].title.as_str()),
            (2, Hours(80), "安全生产培训")
        );
        assert_eq!((people[1].name.as_str(), people[1].hours), ("", Hours(15)));
    }

    #[test]
    fn every_problem_is_named_by_its_line() {
        let problems = parse_import(&rows(&[
            &[ZHANG, "张三", "0", "培训"],
            &["12345", "李四", "2", ""],
            &[LI, "王五", "1.25", "培训"],
            &[ZHANG, "张三", "2", "培训"],
        ]))
        .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[0], "第 1 行：学时：请填写学时");
        assert!(problems[1].starts_with("第 2 行：身份证号"), "{}", problems[1]);
        assert!(problems[1].contains("请填写培训内容"), "{}", problems[1]);
        assert_eq!(problems[2], "第 3 行：学时：学时最多保留一位小数");
    }

    #[test]
    fn a_person_twice_and_an_empty_file_are_refused() {
        let problems =
            parse_import(&rows(&[&[ZHANG, "", "2", "培训"], &[ZHANG, "", "3", "培训"]])).unwrap_err();
        assert_eq!(problems, vec!["第 2 行：与第 1 行是同一人".to_owned()]);
        assert_eq!(
            parse_import(&rows(&[&IMPORT_COLUMNS])).unwrap_err(),
            vec!["文件中没有人员数据".to_owned()]
        );
    }

    #[test]
    fn odd_text_is_a_problem_not_a_panic() {
        let long = "培".repeat(101);
        let problems = parse_import(&rows(&[
            &[ZHANG, "\u{202e}\u{0}", "２", long.as_str()],
            &["\u{1F600}", "", "", ""],
        ]))
        .unwrap_err();
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn a_long_refusal_is_cut_with_a_count() {
        let problems: Vec<String> = (1..=25).map(|i| format!("第 {i} 行：学时：请填写学时")).collect();
        let message = describe_problems(&problems);
        assert!(message.ends_with("另有 5 处问题"), "{message}");
        assert!(message.contains("第 20 行") && !message.contains("第 21 行"));
    }
}
