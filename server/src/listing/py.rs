//! The few Python built-in behaviours Swift's listing code leans on and that Rust's standard
//! library spells differently: `str.isspace()`, `str.isdigit()` + `int(str)`, `float(str)` and
//! `repr(float)`. Kept together so the quirks are documented once.

/// The characters Python's `str.isspace()` (and so `\s` in a `str` regex) accepts, as a regex
/// character-class body. Python counts `\x1c`-`\x1f` as whitespace; Unicode's White_Space does not.
pub const PY_SPACE_CLASS: &str = r"\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}";

/// Python's `str.isspace()` for one character.
pub fn is_py_space(c: char) -> bool {
    matches!(c,
        '\t'..='\r' | '\x1c'..=' ' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// First code point of each run of ten Unicode decimal digits (category Nd, Unicode 14 as in
/// Python 3.11); `int()` accepts all of them.
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// Characters that `str.isdigit()` accepts but `int()` refuses (superscripts, circled digits...).
const DIGIT_NOT_DECIMAL: &[(u32, u32)] = &[
    (0xb2, 0xb3),
    (0xb9, 0xb9),
    (0x1369, 0x1371),
    (0x19da, 0x19da),
    (0x2070, 0x2070),
    (0x2074, 0x2079),
    (0x2080, 0x2089),
    (0x2460, 0x2468),
    (0x2474, 0x247c),
    (0x2488, 0x2490),
    (0x24ea, 0x24ea),
    (0x24f5, 0x24fd),
    (0x24ff, 0x24ff),
    (0x2776, 0x277e),
    (0x2780, 0x2788),
    (0x278a, 0x2792),
    (0x10a40, 0x10a43),
    (0x10e60, 0x10e68),
    (0x11052, 0x1105a),
    (0x1f100, 0x1f10a),
];

/// The value of a Unicode decimal digit, as Python's `int()` reads it.
pub fn decimal_value(c: char) -> Option<u32> {
    let cp = c as u32;
    if c.is_ascii_digit() {
        return Some(cp - 0x30);
    }
    DECIMAL_ZEROS
        .iter()
        .find(|&&zero| cp >= zero && cp < zero + 10)
        .map(|zero| cp - zero)
}

/// Python's `str.isdigit()` for one character.
pub fn is_py_digit(c: char) -> bool {
    let cp = c as u32;
    decimal_value(c).is_some() || DIGIT_NOT_DECIMAL.iter().any(|&(a, b)| cp >= a && cp <= b)
}

/// What Python's `s.isdigit() and int(s)` gives for a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyDigits {
    /// `isdigit()` is false: not a number for Swift's purposes.
    NotDigits,
    /// `isdigit()` is true and `int()` succeeds (the value saturates at `u64::MAX`).
    Value(u64),
    /// `isdigit()` is true but `int()` raises (e.g. `"²"`): Swift answers 500.
    IntFails,
}

/// `s.isdigit()` followed by `int(s)`, as Swift's `constrain_req_limit` does.
pub fn py_isdigit_int(s: &str) -> PyDigits {
    if s.is_empty() || !s.chars().all(is_py_digit) {
        return PyDigits::NotDigits;
    }
    let mut value: u64 = 0;
    for c in s.chars() {
        match decimal_value(c) {
            Some(d) => value = value.saturating_mul(10).saturating_add(u64::from(d)),
            None => return PyDigits::IntFails,
        }
    }
    PyDigits::Value(value)
}

/// Python's `int(s)` for a string, as canonical decimal digits (arbitrary size, like Python's
/// ints): surrounding whitespace, a sign, and single underscores between digits are allowed.
pub fn py_int(s: &str) -> Option<String> {
    let s = s.trim_matches(is_py_space);
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut digits = String::with_capacity(body.len());
    let mut last_was_digit = false;
    for c in body.chars() {
        if c == '_' {
            if !last_was_digit {
                return None;
            }
            last_was_digit = false;
            continue;
        }
        let d = decimal_value(c)?;
        digits.push(char::from_digit(d, 10)?);
        last_was_digit = true;
    }
    if !last_was_digit {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some("0".to_string());
    }
    Some(if negative {
        format!("-{trimmed}")
    } else {
        trimmed.to_string()
    })
}

/// Python's `float(s)`: whitespace trimmed, `inf`/`infinity`/`nan` in any case, underscores
/// allowed between digits.
pub fn py_float(s: &str) -> Option<f64> {
    let s = s.trim_matches(is_py_space);
    let mut cleaned = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if !(before && after) {
                return None;
            }
            continue;
        }
        if let Some(d) = decimal_value(c) {
            cleaned.push(char::from_digit(d, 10)?);
        } else if c.is_ascii() {
            cleaned.push(c);
        } else {
            return None;
        }
    }
    let lower = cleaned.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() > 1 {
        return None;
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse::<f64>().ok();
    }
    // Rust also accepts forms Python refuses; only digits, one dot and an exponent get here.
    if !unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return None;
    }
    lower.parse::<f64>().ok()
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation for decimal
/// exponents -4..16 (always with a `.0` when integral), otherwise `1e+16` style.
/// Non-finite values come out as JSON's `Infinity`/`-Infinity`/`NaN`, as `json.dumps` writes them.
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits as d.ddddde<exp>.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (int_part, frac) = digits.split_at((exp + 1) as usize);
            format!("{int_part}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python_shapes() {
        assert_eq!(py_float_repr(1.0), "1.0");
        assert_eq!(py_float_repr(0.5), "0.5");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(123456789012345.6), "123456789012345.6");
        assert_eq!(py_float_repr(0.0001), "0.0001");
        assert_eq!(py_float_repr(0.00001), "1e-05");
        assert_eq!(py_float_repr(1.5e-7), "1.5e-07");
        assert_eq!(py_float_repr(-2.25), "-2.25");
        assert_eq!(py_float_repr(1700000000.1234567), "1700000000.1234567");
    }

    #[test]
    fn int_and_digit_rules() {
        assert_eq!(py_int(" +1_000 "), Some("1000".into()));
        assert_eq!(py_int("-0"), Some("0".into()));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("_1"), None);
        assert_eq!(py_int("\u{663}"), Some("3".into()));
        assert_eq!(py_int("0x10"), None);
        assert_eq!(py_isdigit_int("\u{b2}"), PyDigits::IntFails);
        assert_eq!(py_isdigit_int("\u{663}1"), PyDigits::Value(31));
        assert_eq!(py_isdigit_int("-1"), PyDigits::NotDigits);
        assert_eq!(py_float("1_0.5"), Some(10.5));
        assert_eq!(py_float("1_"), None);
        assert_eq!(py_float(" INF "), Some(f64::INFINITY));
        assert_eq!(py_float("0x1"), None);
    }
}
