//! Diagnostics: every problem found in a user's file, with where it is and why.
//!
//! Checks gather all their diagnostics instead of stopping at the first (rust-analyzer's `(T, Vec<Diagnostic>)`).

use std::fmt;

/// How bad a problem is. Errors make a file unusable; warnings are shown and the file is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem at one place of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user named it.
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when unknown.
    pub column: usize,
    /// A stable short code such as `duplicate-code` (for filtering and tests).
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(
            f,
            ": {}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        )
    }
}

/// Maps byte offsets of a text to 1-based line and column (columns count characters).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The (line, column) of a byte offset; offsets past the end map to the last position.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }

    /// Number of lines in the text.
    pub fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// The text of a 1-based line without its line break.
    pub fn line(&self, line: usize) -> Option<&'a str> {
        if line == 0 || line > self.line_count() {
            return None;
        }
        let start = *self.starts.get(line - 1)?;
        let end = self
            .starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let idx = LineIndex::new("ab\n甲乙c\n\nz");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        assert_eq!(idx.position(9), (2, 3));
        assert_eq!(idx.line(2), Some("甲乙c"));
        assert_eq!(idx.line(3), Some(""));
        assert_eq!(idx.line(4), Some("z"));
        assert_eq!(idx.line(5), None);
        assert_eq!(idx.line_count(), 4);
    }
}
