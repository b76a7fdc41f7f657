//! Line numbers of positions in a text file, for error messages, and the separator of a CSV file. The
//! csv crate's own line count is one short on files with Windows (CRLF) line endings, so readers count
//! the newlines before a record's first byte instead.

/// Counts lines forward through one text; positions asked for in increasing order cost one pass.
pub struct LineIndex<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            offset: 0,
            line: 1,
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The 1-based line on which the record starting at byte `position` stands. The csv crate may give
    /// a record's start as the `\n` that ended the line before (after a `\r` it took as the end);
    /// line breaks at the position are skipped for that reason.
    pub fn line_at(&mut self, position: u64) -> usize {
        let text = self.text.as_bytes();
        let mut target = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(text.len());
        while matches!(text.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        if target < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += text[self.offset..target]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = target;
        self.line
    }
}

/// The separator of a CSV file: `;` where its header has more of them than commas (as spreadsheets
/// write CSV in much of Europe, where the comma is the decimal mark), else `,`.
pub fn csv_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_are_counted_alike_whatever_the_line_endings() {
        for text in ["a\nbb\nccc\n", "a\r\nbb\r\nccc\r\n"] {
            let mut lines = LineIndex::new(text);
            // As the csv crate may give them: the second record starting on the first line's `\n`.
            let starts: Vec<u64> = [Some(0), text.find('\n'), text.find('c')]
                .into_iter()
                .map(|i| i.map_or(0, |i| i as u64))
                .collect();
            let found: Vec<usize> = starts.iter().map(|s| lines.line_at(*s)).collect();
            assert_eq!(found, [1, 2, 3], "{text:?}");
            assert_eq!(lines.line_at(0), 1, "asking again from the start");
        }
    }
}
