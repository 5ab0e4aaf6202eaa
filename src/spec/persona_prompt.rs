//! The system prompt that conditions a speaker on its persona (the `rho_i` of equation 1):
//! name, description, traits, style and few-shot examples.

use crate::spec::persona::Persona;

/// Builds the persona's system prompt.
pub fn persona_system_prompt(p: &Persona) -> String {
    let mut s = format!("You are {}. {}", p.name, p.description.trim());
    if !p.traits.is_empty() {
        s.push_str(&format!("\nTraits: {}.", p.traits.join(", ")));
    }
    if let Some(style) = &p.style {
        s.push_str(&format!("\nStyle: {}", style.trim()));
    }
    for (i, ex) in p.examples.iter().enumerate() {
        s.push_str(&format!(
            "\nExample {}:\nUser: {}\n{}: {}",
            i + 1,
            ex.context.trim(),
            p.name,
            ex.response.trim()
        ));
    }
    s.push_str(&format!(
        "\nStay in character as {} and reply to the user.",
        p.name
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::persona::FewShotExample;

    #[test]
    fn includes_every_persona_field() {
        let p = Persona {
            name: "The Anchor".into(),
            description: "Validates feelings.".into(),
            traits: vec!["warm".into(), "steady".into()],
            style: Some("Short sentences.".into()),
            examples: vec![FewShotExample {
                context: "I failed my exam.".into(),
                response: "That sounds painful.".into(),
            }],
        };
        let s = persona_system_prompt(&p);
        for part in [
            "The Anchor",
            "Validates feelings.",
            "warm, steady",
            "Short sentences.",
            "I failed my exam.",
            "That sounds painful.",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
    }
}
