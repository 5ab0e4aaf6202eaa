//! How the checker words types, examples and range rules in its messages.

use crate::spec::field::{FieldSpec, Ty};
use crate::spec::level::Level;
use crate::spec::model::MIN_TINY_VOCAB;

/// "name, description and traits"
pub fn accepted(schema: &[FieldSpec]) -> String {
    if schema.is_empty() {
        return "no fields".into();
    }
    let names: Vec<String> = schema.iter().map(|s| format!("`{}`", s.name)).collect();
    names.join(", ")
}

pub fn forms_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}(...)`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type in words.
pub fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Int { .. } => "an integer".into(),
        Ty::Float { .. } => "a number".into(),
        Ty::Str => "a string".into(),
        Ty::EnvName => "the name of an environment variable, as a string".into(),
        Ty::Path => "a relative path string".into(),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Sym(o) => format!("one of {}", o.join(", ")),
        Ty::SymOrInt { syms, min } => {
            format!("one of {} or a whole number >= {min}", syms.join(", "))
        }
        Ty::SymList(o) => format!("a list of {}", o.join(", ")),
        Ty::StrList => "a list of strings".into(),
        Ty::IntList { .. } => "a list of whole numbers".into(),
        Ty::Range => "a range like `1..5`".into(),
        Ty::Ref(k) => format!("the name of a {}", k.keyword()),
        Ty::RefList(k) => format!("a list of {} names", k.keyword()),
        Ty::Reward(l) => format!(
            "{} reward expression or reward name",
            with_article(&format!("{}-level", l.as_str()))
        ),
        Ty::Object(_) => "an object `{ field: value }`".into(),
        Ty::ObjList(_) => "a list of objects".into(),
        Ty::StrMap => "an object of `name: \"description\"` entries".into(),
        Ty::Variant(forms) => {
            let names: Vec<&str> = forms.iter().map(|(n, _)| *n).collect();
            format!("one of {}", forms_list(&names))
        }
    }
}

pub fn example(ty: &Ty, field: &str) -> String {
    match ty {
        Ty::Int { min } => format!("write a whole number, e.g. `{field}: {}`", (*min).max(1)),
        Ty::Float { .. } => format!("write a number, e.g. `{field}: 0.5`"),
        Ty::Str | Ty::Path => format!("quote it: `{field}: \"...\"`"),
        Ty::Ref(k) => format!(
            "write the bare name of a {} declaration (no quotes)",
            k.keyword()
        ),
        Ty::RefList(k) => format!("write `[a, b]` with names of {} declarations", k.keyword()),
        Ty::Sym(o) | Ty::SymList(o) => format!("write one of: {}", o.join(", ")),
        Ty::SymOrInt { syms, min } => format!(
            "write one of: {}, or a whole number, e.g. `{field}: {}`",
            syms.join(", "),
            (*min).max(1)
        ),
        Ty::StrList => format!("write a list of strings: `{field}: [\"...\", \"...\"]`"),
        Ty::IntList { min } => format!(
            "write a list of whole numbers: `{field}: [{min}, {}]`",
            min + 1
        ),
        _ => format!("`{field}` expects {}", describe(ty)),
    }
}

pub fn level_help(level: Level) -> String {
    match level {
        Level::Agent => "agent-level rewards score one response: they sum rm(<model>) and format(...) terms".into(),
        Level::Group => "group-level rewards score a whole conversation: they sum coherence(<judge>) and diverse() terms".into(),
    }
}

pub fn range_help(field: &str) -> String {
    match field {
        "k" => "K is the number of candidates per context; preference pairs need at least 2".into(),
        "vocab" => format!(
            "the built-in byte-level tokenizer has 256 bytes plus {} special tokens: vocab must be at least {MIN_TINY_VOCAB}",
            MIN_TINY_VOCAB - 256
        ),
        "delta" => "delta is the score margin a preference pair must reach (0 <= delta; the paper uses 0.5)".into(),
        "lr" => "the learning rate must be positive (0 < lr), e.g. 1e-5".into(),
        "group" => "GRPO compares a group of samples: the group size must be at least 2".into(),
        "top_p" => "nucleus sampling keeps probability mass in (0, 1]".into(),
        "dropout" => "LoRA dropout is a probability in [0, 1)".into(),
        _ => format!("choose a value of `{field}` inside the allowed range"),
    }
}

/// `a group-level`, `an agent-level`: the word with its indefinite article.
pub fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}
