//! Tables people upload (批量添加人员, 单位申报学时导入): an Excel workbook (.xlsx, its
//! first sheet, read cell by cell with calamine) or a CSV file (UTF-8 with or without BOM, else
//! GBK as Excel saves it). Either becomes rows of trimmed cell texts, so an import
//! checks one shape whatever the unit's office software saved. And tables people
//! download: the same rows as .xlsx (rust_xlsxwriter) or CSV with a BOM.

use crate::error::{AppError, AppResult};
use calamine::{Data, Reader, Xlsx};

/// A table larger than this is refused before it is read.
pub const SHEET_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Columns read from a workbook; cells further right are ignored.
pub const SHEET_MAX_COLUMNS: usize = 16;

const UNREADABLE: &str = "无法读取该文件，请上传 Excel（.xlsx）或 CSV 文件";

/// Reads the rows of an uploaded table, at most `max_rows` (a header row included).
/// Fully empty rows are dropped; the line numbers of the rest are kept, as the person
/// sees them in their spreadsheet. The message of an error is for the person.
pub fn read_rows(bytes: &[u8], max_rows: usize) -> Result<Vec<SheetRow>, String> {
    if bytes.len() > SHEET_MAX_BYTES {
        return Err(format!("文件不能超过 {} MB", SHEET_MAX_BYTES / 1024 / 1024));
    }
    let rows = if is_workbook(bytes) { workbook_rows(bytes, max_rows)? } else { csv_rows(bytes)? };
    let rows: Vec<SheetRow> = rows
        .into_iter()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(index, cells)| SheetRow { line: u32::try_from(index + 1).unwrap_or(u32::MAX), cells })
        .collect();
    if rows.len() > max_rows {
        return Err(format!("一次最多导入 {} 行", max_rows.saturating_sub(1)));
    }
    Ok(rows)
}

/// One non-empty row: its line in the file (from 1) and its cells, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub line: u32,
    pub cells: Vec<String>,
}

impl SheetRow {
    /// The cell of a column, "" past the row's end.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or_default()
    }
}

/// A zip (.xlsx) or an OLE compound file (.xls, refused as unreadable: save as .xlsx).
fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads the first sheet cell by cell, never as one rectangle: a file naming a cell in
/// row 1,048,576 would otherwise allocate the whole grid. A cell past `max_rows` (with
/// some room for blank rows) refuses the file; columns past [`SHEET_MAX_COLUMNS`] are
/// ignored.
fn workbook_rows(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    let unreadable = |_| UNREADABLE.to_owned();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook.sheet_names().first().cloned().ok_or_else(|| "文件中没有工作表".to_owned())?;
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(unreadable)?;
    let row_limit = max_rows.saturating_mul(2).saturating_add(100);
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row >= row_limit {
            return Err(format!("一次最多导入 {} 行", max_rows.saturating_sub(1)));
        }
        if column >= SHEET_MAX_COLUMNS {
            continue;
        }
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        let line = &mut rows[row];
        if line.len() <= column {
            line.resize(column + 1, String::new());
        }
        line[column] = cell_text(&Data::from(cell.get_value().clone()));
    }
    Ok(rows)
}

/// A cell as the person typed it: a whole number without ".0" (hours typed as 8), and
/// text trimmed.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => format!("{value:.0}"),
        Data::String(text) => text.trim().to_owned(),
        other => other.to_string().trim().to_owned(),
    }
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => encoding_rs::GBK.decode(bytes).0.into_owned(),
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| record.map(|r| r.iter().map(|cell| cell.trim().to_owned()).collect()))
        .collect::<Result<_, _>>()
        .map_err(|_| UNREADABLE.to_owned())
}

/// A table to download: a header and rows of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns kept as text in Excel even when they look like numbers (ID numbers,
    /// which Excel would round to 15 digits).
    pub text_columns: Vec<usize>,
}

impl Table {
    /// CSV with a BOM, so Excel shows the Chinese.
    pub fn to_csv(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::from("\u{feff}".as_bytes());
        {
            let mut writer = csv::Writer::from_writer(&mut out);
            writer.write_record(&self.header).map_err(AppError::internal)?;
            for row in &self.rows {
                writer.write_record(row).map_err(AppError::internal)?;
            }
            writer.flush().map_err(AppError::internal)?;
        }
        Ok(out)
    }

    /// One sheet: a bold, frozen header; numbers written as numbers (so 合计 sums),
    /// text columns formatted as text so what is typed into them later stays text.
    pub fn to_xlsx(&self) -> AppResult<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let text = Format::new().set_num_format("@");
        let column = |c: usize| u16::try_from(c).map_err(AppError::internal);
        for &c in &self.text_columns {
            sheet.set_column_format(column(c)?, &text).map_err(AppError::internal)?;
        }
        for (c, title) in self.header.iter().enumerate() {
            sheet.write_string_with_format(0, column(c)?, title, &bold).map_err(AppError::internal)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(AppError::internal)?;
            for (c, cell) in row.iter().enumerate() {
                let number =
                    cell.parse::<f64>().ok().filter(|_| cell.len() <= 10 && !self.text_columns.contains(&c));
                match number {
                    Some(number) => sheet.write_number(r, column(c)?, number),
                    None if self.text_columns.contains(&c) => {
                        sheet.write_string_with_format(r, column(c)?, cell, &text)
                    }
                    None => sheet.write_string(r, column(c)?, cell),
                }
                .map_err(AppError::internal)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
        for c in 0..self.header.len() {
            sheet.set_column_width(column(c)?, 16).map_err(AppError::internal)?;
        }
        book.save_to_buffer().map_err(AppError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                match cell.parse::<f64>() {
                    Ok(number) if !cell.is_empty() && cell.len() < 15 => sheet.write_number(r, c, number),
                    _ => sheet.write_string(r, c, *cell),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_workbook_and_a_csv_read_the_same() {
        let table: &[&[&str]] = &[
            &["身份证号", "姓名", "学时"],
            &["", "", ""],
            &["11010519491231002X", "张三", "8"],
            &["110105194912310029", "李四", "1.5"],
        ];
        let from_book = read_rows(&workbook(table), 10).unwrap();
        let csv =
            "\u{feff}身份证号,姓名,学时\n,,\n11010519491231002X, 张三 ,8\n110105194912310029,李四,1.5\n";
        let from_csv = read_rows(csv.as_bytes(), 10).unwrap();
        assert_eq!(from_book, from_csv);
        assert_eq!(from_book.len(), 3);
        assert_eq!(from_book[1].line, 3);
        assert_eq!(from_book[1].cell(1), "张三");
        assert_eq!(from_book[1].cell(2), "8");
        assert_eq!(from_book[2].cell(2), "1.5");
        assert_eq!(from_book[2].cell(9), "");
    }

    #[test]
    fn a_downloaded_table_reads_back_as_it_was_written() {
        let table = Table {
            header: vec!["身份证号".into(), "姓名".into(), "学时".into()],
            rows: vec![vec!["110101199003074477".into(), "张三".into(), "8.5".into()]],
            text_columns: vec![0],
        };
        for bytes in [table.to_xlsx().unwrap(), table.to_csv().unwrap()] {
            let rows = read_rows(&bytes, 10).unwrap();
            assert_eq!(rows[0].cells, table.header);
            assert_eq!(rows[1].cells, table.rows[0]);
        }
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,学时\n王五,2\n");
        let rows = read_rows(&bytes, 10).unwrap();
        assert_eq!(rows[1].cells, vec!["王五".to_owned(), "2".to_owned()]);
    }

    #[test]
    fn too_many_rows_broken_files_and_odd_text_are_refused_not_panicked() {
        let csv = "a\nb\nc\n";
        assert_eq!(read_rows(csv.as_bytes(), 2).unwrap_err(), "一次最多导入 1 行");
        assert_eq!(read_rows(b"PK\x03\x04broken", 10).unwrap_err(), UNREADABLE);
        // A cell at the bottom of the grid is refused without allocating the grid.
        let far = workbook(&[&["身份证号"]]);
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "身份证号").unwrap();
        sheet.write_string(1_048_575, 15, "x").unwrap();
        sheet.write_string(0, 16_383, "far right").unwrap();
        let bottom = book.save_to_buffer().unwrap();
        assert_eq!(read_rows(&bottom, 10).unwrap_err(), "一次最多导入 9 行");
        assert_eq!(read_rows(&far, 10).unwrap().len(), 1);
        assert_eq!(read_rows(&vec![b'a'; SHEET_MAX_BYTES + 1], 10).unwrap_err(), "文件不能超过 2 MB");
        // Whatever a broken quote reads as, it is an answer, not a panic.
        let _ = read_rows("\"unterminated,\u{202e}\u{0}".as_bytes(), 10);
    }
}
