//! `LiveChat` (what `mascot chat` drives) through scripted models: the director picks the
//! persona and its instruction reaches the speaker's prompt, the reply is streamed, the
//! user's later messages join the conversation every model sees, and without a director
//! the order picks.

use std::cell::RefCell;

use mascot::dialogue::{ChatGroup, ConversationConfig, LiveChat, ScriptedModel, SpeakerOrder};
use mascot::spec::persona::Persona;

fn personas() -> Vec<Persona> {
    ["Anchor", "Catalyst", "Beacon"]
        .iter()
        .map(|n| Persona {
            name: n.to_string(),
            description: format!("{n} supports the user."),
            traits: vec![],
            style: None,
            examples: vec![],
        })
        .collect()
}

#[test]
fn the_director_picks_and_the_reply_streams() {
    let personas = personas();
    let director = ScriptedModel::new(|chat, _| {
        if chat.iter().any(|m| m.content.contains("User: And now?")) {
            "Anchor: Ask what they need.".into()
        } else {
            "Beacon: Celebrate the news with them.".into()
        }
    });
    let speaker = ScriptedModel::constant("That is wonderful news!");
    let group = ChatGroup {
        personas: &personas,
        director: Some(&director),
        speaker: &speaker,
    };
    let mut chat = LiveChat::new(ConversationConfig::default(), group, "").unwrap();
    let picked = RefCell::new(Vec::new());
    let streamed = RefCell::new(String::new());
    let turn = chat
        .user_says(
            "I got the job!",
            &mut |name, d| {
                picked
                    .borrow_mut()
                    .push((name.to_string(), d.map(|d| d.instruction.clone())))
            },
            &mut |piece| streamed.borrow_mut().push_str(piece),
        )
        .unwrap();
    assert_eq!(turn.speaker, "Beacon");
    assert_eq!(turn.response, "That is wonderful news!");
    assert_eq!(*streamed.borrow(), "That is wonderful news!");
    assert_eq!(
        picked.borrow()[0],
        (
            "Beacon".to_string(),
            Some("Celebrate the news with them.".to_string())
        )
    );
    let prompt = &speaker.chats()[0];
    let user = &prompt[1].content;
    assert!(user.contains("User: I got the job!"), "{user}");
    assert!(
        user.contains("The director asks you: Celebrate the news with them."),
        "{user}"
    );
    assert!(prompt[0].content.contains("Beacon"));

    let second = chat
        .user_says("And now?", &mut |_, _| {}, &mut |_| {})
        .unwrap();
    assert_eq!((second.turn, second.speaker.as_str()), (1, "Anchor"));
    let director_prompt = &director.chats()[1][1].content;
    assert!(
        director_prompt.contains("Beacon: That is wonderful news!\nUser: And now?"),
        "{director_prompt}"
    );
    assert_eq!(
        chat.who(),
        vec![("Anchor", Some(1)), ("Catalyst", None), ("Beacon", Some(0))]
    );
}

#[test]
fn without_a_director_the_order_picks() {
    let personas = personas();
    let speaker = ScriptedModel::constant("Hello.");
    let cfg = ConversationConfig {
        order: SpeakerOrder::RoundRobin,
        ..ConversationConfig::default()
    };
    let group = ChatGroup {
        personas: &personas,
        director: None,
        speaker: &speaker,
    };
    let mut chat = LiveChat::new(cfg, group, "A rainy day.").unwrap();
    assert!(!chat.has_director());
    let speakers: Vec<String> = (0..4)
        .map(|i| {
            chat.user_says(&format!("message {i}"), &mut |_, _| {}, &mut |_| {})
                .unwrap()
                .speaker
        })
        .collect();
    assert_eq!(speakers, ["Anchor", "Catalyst", "Beacon", "Anchor"]);
    // The situation is in the speaker's prompt (its system message since the prompt-hygiene
    // change: small models echoed it when it opened the conversation block).
    assert!(
        speaker.chats()[0]
            .iter()
            .any(|m| m.content.contains("A rainy day."))
    );
}

#[test]
fn a_chat_needs_personas() {
    let speaker = ScriptedModel::constant("Hello.");
    let group = ChatGroup {
        personas: &[],
        director: None,
        speaker: &speaker,
    };
    let err = LiveChat::new(ConversationConfig::default(), group, "")
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("at least one persona")));
}
