//! A CSV file read in blocks cut at line ends, one buffer reused (a province's registry is gigabytes: reading it
//! whole would touch as much fresh memory again, which costs more than parsing it).

use std::io::Read;
use std::path::Path;

/// Where a file's bytes come from. Read once in blocks; read again only for a rare second pass (the text of
/// quarantined lines, the lines of duplicate listings).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl<'a> Source<'a> {
    pub fn open(&self) -> std::io::Result<Box<dyn Read + 'a>> {
        match *self {
            Source::Bytes(b) => Ok(Box::new(b)),
            Source::File(p) => Ok(Box::new(std::fs::File::open(p)?)),
        }
    }

    /// The size in bytes, when known.
    pub fn size(&self) -> Option<u64> {
        match *self {
            Source::Bytes(b) => Some(b.len() as u64),
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
        }
    }
}

/// The size of a block (the buffer grows for a longer line).
pub(crate) const BLOCK: usize = 32 << 20;

/// Blocks of whole lines from a reader. The first block starts after the header line, which
/// [`Blocks::header`] returns (a UTF-8 byte-order mark dropped).
pub(crate) struct Blocks<'a> {
    src: Input<'a>,
    buf: Vec<u8>,
    /// Bytes of `buf` that hold data.
    len: usize,
    /// Bytes of `buf` already handed out (the carried-over tail starts here).
    taken: usize,
    /// The line number of the next block's first line.
    line: u32,
    eof: bool,
    block: usize,
    /// The line number of the last block's first line.
    first: u32,
    /// Whether the line feeds of the block last handed out are counted into `line`.
    counted: bool,
}

/// What blocks are read from: a reader, or a file read at offsets by several threads at once (the copies from
/// the page cache then run on every core instead of one, between the parallel parses).
pub(crate) enum Input<'a> {
    Reader(Box<dyn Read + 'a>),
    File {
        file: std::fs::File,
        at: u64,
        len: u64,
    },
}

impl<'a> Input<'a> {
    /// Opens a source for block reading.
    pub(crate) fn open(src: Source<'a>) -> std::io::Result<Input<'a>> {
        match src {
            Source::Bytes(b) => Ok(Input::Reader(Box::new(b))),
            Source::File(p) => {
                let file = std::fs::File::open(p)?;
                let len = file.metadata()?.len();
                Ok(Input::File { file, at: 0, len })
            }
        }
    }

    /// Reads into `buf`, returning the number of bytes read (0 at the end).
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Reader(r) => loop {
                match r.read(buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    other => return other,
                }
            },
            Input::File { file, at, len } => {
                use rayon::prelude::*;
                use std::os::unix::fs::FileExt;
                let n = buf
                    .len()
                    .min(usize::try_from(len.saturating_sub(*at)).unwrap_or(usize::MAX));
                if n == 0 {
                    // The file may have grown since its length was read: go on with plain reads.
                    let k = file.read_at(buf, *at)?;
                    *at += k as u64;
                    *len = (*len).max(*at);
                    return Ok(k);
                }
                const PIECE: usize = 4 << 20;
                let start = *at;
                let file = &*file;
                buf[..n]
                    .par_chunks_mut(PIECE)
                    .enumerate()
                    .try_for_each(|(k, piece)| {
                        file.read_exact_at(piece, start + (k * PIECE) as u64)
                    })?;
                *at += n as u64;
                Ok(n)
            }
        }
    }
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(src: Input<'a>, block: usize) -> Blocks<'a> {
        Blocks {
            src,
            buf: Vec::new(),
            len: 0,
            taken: 0,
            line: 1,
            eof: false,
            block: block.max(1),
            first: 2,
            counted: true,
        }
    }

    /// Reads until the buffer holds at least `want` bytes or the end of the file (the buffer is zeroed only when
    /// it grows, and reused after).
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        while !self.eof && self.len < want {
            let n = self.src.read(&mut self.buf[self.len..want])?;
            self.len += n;
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// Drops the bytes handed out, moving the tail to the front.
    fn shift(&mut self) {
        if self.taken > 0 {
            self.buf.copy_within(self.taken..self.len, 0);
            self.len -= self.taken;
            self.taken = 0;
        }
    }

    /// The header line (without its line end).
    pub(crate) fn header(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            let want = self.len + self.block.min(1 << 20);
            self.fill(want)?;
            if let Some(k) = memchr::memchr(b'\n', &self.buf[..self.len]) {
                let h = self.buf[..k].to_vec();
                self.taken = k + 1;
                self.line = 2;
                return Ok(strip_bom(h));
            }
            if self.eof {
                let h = self.buf[..self.len].to_vec();
                self.taken = self.len;
                self.line = 2;
                return Ok(strip_bom(h));
            }
        }
    }

    /// The next block of whole lines and the line number of its first line (`None` at the end).
    pub(crate) fn next(&mut self) -> std::io::Result<Option<(u32, &[u8])>> {
        if !self.counted {
            // The caller did not say how many lines the last block had: count them.
            use rayon::prelude::*;
            self.line += self.buf[..self.taken]
                .par_chunks(1 << 20)
                .map(|c| memchr::memchr_iter(b'\n', c).count())
                .sum::<usize>() as u32;
        }
        self.counted = true;
        self.shift();
        let mut want = self.block;
        let end = loop {
            self.fill(want)?;
            if self.eof {
                break self.len;
            }
            if let Some(k) = memchr::memrchr(b'\n', &self.buf[..self.len]) {
                break k + 1;
            }
            want = self.len * 2;
        };
        if end == 0 {
            return Ok(None);
        }
        self.taken = end;
        let first = self.line;
        self.first = first;
        self.counted = false;
        let block = &self.buf[..end];
        Ok(Some((first, block)))
    }

    /// Tells how many line feeds the block last handed out holds (a caller that counted them while cutting the
    /// block into parts), so that [`Blocks::next`] need not count them again.
    pub(crate) fn lines_were(&mut self, n: u32) {
        if !self.counted {
            self.line += n;
            self.counted = true;
        }
    }

    /// The block last handed out and everything after it, to the end of the file, with the line number of its
    /// first line (for a reader that must see the rest whole).
    pub(crate) fn rest(&mut self) -> std::io::Result<(u32, &[u8])> {
        while !self.eof {
            let want = self.len + self.block;
            self.fill(want)?;
        }
        self.taken = self.len;
        Ok((self.first, &self.buf[..self.len]))
    }
}

fn strip_bom(mut h: Vec<u8>) -> Vec<u8> {
    if h.starts_with("\u{feff}".as_bytes()) {
        h.drain(..3);
    }
    if h.last() == Some(&b'\r') {
        h.pop();
    }
    h
}

/// The texts of the given (sorted) lines of a file (bytes that are not UTF-8 shown as U+FFFD), read again from
/// its source.
pub(crate) fn line_texts(src: Source<'_>, lines: &[u32]) -> std::io::Result<Vec<String>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut blocks = Blocks::new(Input::open(src)?, BLOCK);
    let mut want = lines.iter().peekable();
    let _ = blocks.header()?;
    while want.peek().is_some() {
        let Some((first, block)) = blocks.next()? else {
            break;
        };
        let block = block.strip_suffix(b"\n").unwrap_or(block);
        for (i, l) in block.split(|&b| b == b'\n').enumerate() {
            let n = first + i as u32;
            while want.peek().is_some_and(|&&w| w < n) {
                want.next();
                out.push(String::new());
            }
            if want.peek().is_some_and(|&&w| w == n) {
                want.next();
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                out.push(String::from_utf8_lossy(l).into_owned());
            }
        }
    }
    while out.len() < lines.len() {
        out.push(String::new());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks hold whole lines whatever the block size (a line longer than a block grows the buffer), number
    /// their lines from 2, and together give back the body; `rest` returns what is left.
    #[test]
    fn blocks_cut_at_line_ends() {
        let text = b"\xef\xbb\xbfa,b\r\n1,22\n333,4444444444\n\n5,6";
        for size in [1, 3, 7, 64] {
            let mut b = Blocks::new(Input::Reader(Box::new(&text[..])), size);
            assert_eq!(b.header().ok(), Some(b"a,b".to_vec()));
            let (mut body, mut firsts) = (Vec::new(), Vec::new());
            while let Ok(Some((first, block))) = b.next() {
                assert!(
                    block.ends_with(b"\n") || block.ends_with(b"5,6"),
                    "{block:?}"
                );
                firsts.push(first);
                body.extend_from_slice(block);
            }
            assert_eq!(body, b"1,22\n333,4444444444\n\n5,6".to_vec(), "size {size}");
            assert_eq!(firsts[0], 2);
            let mut line = 2;
            let mut b = Blocks::new(Input::Reader(Box::new(&text[..])), size);
            let _ = b.header();
            while let Ok(Some((first, block))) = b.next() {
                assert_eq!(first, line);
                line += block.iter().filter(|&&c| c == b'\n').count() as u32;
            }
        }
        let mut b = Blocks::new(Input::Reader(Box::new(&text[..])), 5);
        let _ = b.header();
        let _ = b.next();
        let Ok((first, rest)) = b.rest() else {
            panic!("rest")
        };
        assert_eq!((first, rest), (2, &b"1,22\n333,4444444444\n\n5,6"[..]));
    }

    #[test]
    fn line_texts_are_read_again_from_the_source() {
        let text = b"h\nl2\nl3\xff\nl4\n";
        let got = line_texts(Source::Bytes(text), &[3, 4, 9]).unwrap_or_default();
        assert_eq!(got, ["l3\u{fffd}", "l4", ""]);
    }
}
