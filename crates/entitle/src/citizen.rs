//! 公民身份号码 — the 18-character citizen identity number of GB 11643-1999: a six-digit address code, the birth
//! date `YYYYMMDD`, a three-digit sequence code whose last digit is odd for men and even for women, and a check
//! character computed by ISO 7064 MOD 11-2.

/// Weights of the 17 leading digits (2^(17−i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each value of Σ mod 11.
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character of the first 17 digits, or `None` if they are not 17 ASCII digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let s: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(CHECK[(s % 11) as usize])
}

/// What is wrong with a citizen id, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Length(usize),
    NotDigits,
    CheckDigit { found: char, expected: char },
    BirthDate,
}

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdError::Length(n) => write!(f, "has {n} characters, a citizen id has 18"),
            IdError::NotDigits => {
                f.write_str("the first 17 characters must be digits and the last a digit or X")
            }
            IdError::CheckDigit { found, expected } => write!(
                f,
                "check character is {found}, but GB 11643 gives {expected} for the first 17 digits"
            ),
            IdError::BirthDate => {
                f.write_str("characters 7–14 are not a valid birth date YYYYMMDD")
            }
        }
    }
}

/// Checks form and check character; returns the id normalised (`x` → `X`) with the birth date (day number) and
/// whether the sequence code is odd (male).
pub fn validate(id: &str) -> Result<([u8; 18], i32, bool), IdError> {
    let b = id.trim().as_bytes();
    if b.len() != 18 {
        return Err(IdError::Length(id.trim().chars().count()));
    }
    let mut out = [0u8; 18];
    out.copy_from_slice(b);
    if out[17] == b'x' {
        out[17] = b'X';
    }
    if !out[..17].iter().all(u8::is_ascii_digit) || !(out[17].is_ascii_digit() || out[17] == b'X') {
        return Err(IdError::NotDigits);
    }
    let expected = check_char(&out[..17]).ok_or(IdError::NotDigits)?;
    if expected != out[17] {
        return Err(IdError::CheckDigit {
            found: char::from(out[17]),
            expected: char::from(expected),
        });
    }
    let birth = std::str::from_utf8(&out[6..14])
        .ok()
        .and_then(crate::date::parse)
        .ok_or(IdError::BirthDate)?;
    let male = (out[16] - b'0') % 2 == 1;
    Ok((out, birth, male))
}

/// The id with its eight birth-date characters hidden: `530102********1234`.
pub fn mask(id: &[u8]) -> String {
    let mut s = String::with_capacity(18);
    push_masked(&mut s, id);
    s
}

/// Appends the masked id (see [`mask`]) to `out`, for writers of millions of rows.
pub fn push_masked(out: &mut String, id: &[u8]) {
    if id.len() != 18 {
        out.extend(std::iter::repeat_n('*', id.len()));
        return;
    }
    out.push_str(std::str::from_utf8(&id[..6]).unwrap_or("******"));
    out.push_str("********");
    out.push_str(std::str::from_utf8(&id[14..]).unwrap_or("****"));
}

/// A valid id from its parts (for the synthetic generator and tests): address code, birth date, sequence.
pub fn make(address: u32, birth: i32, sequence: u32) -> [u8; 18] {
    let (y, m, d) = crate::date::civil_from_days(birth);
    let s = format!(
        "{:06}{y:04}{m:02}{d:02}{:03}",
        address % 1_000_000,
        sequence % 1000
    );
    let mut out = [b'0'; 18];
    out[..17].copy_from_slice(&s.as_bytes()[..17]);
    out[17] = check_char(&out[..17]).unwrap_or(b'0');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example() {
        // GB 11643-1999 Appendix A: 11010519491231002X.
        let Ok((id, birth, male)) = validate("11010519491231002x") else {
            unreachable!()
        };
        assert_eq!(&id, b"11010519491231002X");
        assert_eq!(crate::date::format(birth), "1949-12-31");
        assert!(!male);
        assert_eq!(
            validate("110105194912310021"),
            Err(IdError::CheckDigit {
                found: '1',
                expected: 'X'
            })
        );
        assert_eq!(validate("11010519491231002"), Err(IdError::Length(17)));
        assert_eq!(mask(b"11010519491231002X"), "110105********002X");
        let made = make(530102, crate::date::parse("1990-02-03").unwrap_or(0), 123);
        assert!(validate(std::str::from_utf8(&made).unwrap_or("")).is_ok());
    }
}
