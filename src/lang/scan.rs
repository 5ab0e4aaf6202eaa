//! The one lexical scanner for what sits around the grammar's tokens: string literals, `//`
//! comments and brackets. The parser's nesting guard and syntax help, the spans it trims and
//! the formatter's comment finder all read the source through it, so they agree on where a
//! string or a comment ends.
//!
//! A string starts at `"` and ends at the next unescaped `"` or at the end of its line
//! (strings cannot span lines); inside it `\` escapes the next byte. A comment runs from `//`
//! outside a string to the end of its line.

/// What the scanner reports, with the byte offset it starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexeme {
    /// `(`, `[` or `{` outside strings and comments.
    Open(u8),
    /// `)`, `]` or `}` outside strings and comments.
    Close(u8),
    /// A `//` comment; `end` is the offset of the newline (or of the end of the text).
    Comment { end: usize },
    /// A line break that is not escaped inside a string.
    Newline,
}

/// The lexemes of `text`, in order.
pub fn scan(text: &str) -> Scan<'_> {
    Scan {
        bytes: text.as_bytes(),
        at: 0,
        in_string: false,
    }
}

/// Iterator over `(offset, lexeme)`.
pub struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    in_string: bool,
}

impl Iterator for Scan<'_> {
    type Item = (usize, Lexeme);

    fn next(&mut self) -> Option<(usize, Lexeme)> {
        while let Some(&c) = self.bytes.get(self.at) {
            let start = self.at;
            self.at += 1;
            if c == b'\n' {
                self.in_string = false;
                return Some((start, Lexeme::Newline));
            }
            if self.in_string {
                match c {
                    b'\\' => self.at += 1,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'/' if self.bytes.get(self.at) == Some(&b'/') => {
                    let end = self.bytes[start..]
                        .iter()
                        .position(|b| *b == b'\n')
                        .map_or(self.bytes.len(), |p| start + p);
                    self.at = end;
                    return Some((start, Lexeme::Comment { end }));
                }
                b'(' | b'[' | b'{' => return Some((start, Lexeme::Open(c))),
                b')' | b']' | b'}' => return Some((start, Lexeme::Close(c))),
                _ => {}
            }
        }
        None
    }
}

/// The offset of the first opening bracket nested more than `limit` deep.
pub fn nested_beyond(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, lexeme) in scan(text) {
        match lexeme {
            Lexeme::Open(_) => {
                depth += 1;
                if depth > limit {
                    return Some(offset);
                }
            }
            Lexeme::Close(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The brackets still open at the end of `text`, innermost last, each with its 1-based line.
pub fn open_brackets(text: &str) -> Vec<(u8, usize)> {
    let mut stack = Vec::new();
    let mut line = 1;
    for (_, lexeme) in scan(text) {
        match lexeme {
            Lexeme::Newline => line += 1,
            Lexeme::Open(b) => stack.push((b, line)),
            Lexeme::Close(_) => {
                stack.pop();
            }
            Lexeme::Comment { .. } => {}
        }
    }
    stack
}

/// The byte ranges of the `//` comments of `text`.
pub fn comments(text: &str) -> Vec<(usize, usize)> {
    scan(text)
        .filter_map(|(start, l)| match l {
            Lexeme::Comment { end } => Some((start, end)),
            _ => None,
        })
        .collect()
}

/// Length of `text` without its trailing whitespace and `//` comments.
pub fn content_len(text: &str) -> usize {
    let mut t = text.trim_end();
    loop {
        // Strings cannot span lines, so a comment on the last line is found by scanning it.
        let line_start = t.rfind('\n').map_or(0, |i| i + 1);
        match comments(&t[line_start..]).first() {
            Some(&(start, _)) => t = t[..line_start + start].trim_end(),
            None => return t.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_hide_brackets_and_comment_markers() {
        let src = "a { b: \"} // [\" } // c {\nd: (\"x\\\")\" ";
        assert_eq!(
            comments(src),
            vec![(src.find("// c").unwrap(), src.find('\n').unwrap())]
        );
        assert_eq!(open_brackets(src), vec![(b'(', 2)]);
        assert_eq!(nested_beyond(src, 1), None);
        assert_eq!(nested_beyond("[[\"[\"]]", 1), Some(1));
    }

    #[test]
    fn an_unterminated_string_ends_at_its_line() {
        let src = "x: \"open\ny: [1, 2 // ]\n";
        assert_eq!(open_brackets(src), vec![(b'[', 2)]);
    }

    #[test]
    fn content_len_drops_trailing_comments_and_blank_lines() {
        assert_eq!(content_len("k: 1 // note\n\n  // more\n"), 4);
        assert_eq!(content_len("s: \"a // b\"  "), 11);
    }
}
