use serde::{Deserialize, Serialize};

/// One page of a list, with what the pager needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn total_pages(&self) -> u32 {
        let per_page = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per_page - 1) / per_page).unwrap_or(u32::MAX).max(1)
    }

    pub fn has_previous(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.total_pages()
    }
}

/// A requested page number made safe: at least 1, at most `max_page`.
pub fn clamp_page(requested: Option<u32>, max_page: u32) -> u32 {
    requested.unwrap_or(1).clamp(1, max_page)
}

/// LIMIT/OFFSET for a 1-based page.
pub fn limit_offset(page: u32, per_page: u32) -> (i64, i64) {
    (i64::from(per_page), i64::from(page.saturating_sub(1)) * i64::from(per_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let p = Page::<()> { items: vec![], page: 1, per_page: 10, total: 0 };
        assert_eq!(p.total_pages(), 1);
        assert!(!p.has_next() && !p.has_previous());
        let p = Page::<()> { items: vec![], page: 2, per_page: 10, total: 21 };
        assert_eq!(p.total_pages(), 3);
        assert!(p.has_next() && p.has_previous());
        assert_eq!(limit_offset(3, 10), (10, 20));
        assert_eq!(clamp_page(Some(0), 100), 1);
        assert_eq!(clamp_page(None, 100), 1);
        assert_eq!(clamp_page(Some(10_000), 100), 100);
    }
}
