//! Reading a model judge's answer: the first JSON object in it (inside a code fence or
//! surrounded by prose) that has the rubric's criteria, with one integer per criterion
//! inside the scale. Anything else is a failed item with the reason; a score is never
//! clamped or guessed.

use serde_json::{Map, Value};

use super::item::{Rubric, Scores, criterion_key};

/// The scores in `answer`, or why there are none.
pub fn parse_scores(rubric: &Rubric, answer: &str) -> Result<Scores, String> {
    let objects = json_objects(answer);
    if objects.is_empty() {
        return Err(format!("no JSON object in the answer: {}", excerpt(answer)));
    }
    let chosen = objects
        .iter()
        .find_map(|o| with_criteria(rubric, o))
        .ok_or_else(|| {
            let keys: Vec<&str> = objects
                .first()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            format!(
                "the answer's JSON object has none of the criteria (its keys: {})",
                if keys.is_empty() {
                    "none".into()
                } else {
                    keys.join(", ")
                }
            )
        })?;
    let mut scores = Scores::new();
    let mut problems = Vec::new();
    for name in rubric.names() {
        match lookup(chosen, name) {
            None => problems.push(format!("criterion `{name}` is missing")),
            Some(value) => match integer(value) {
                Err(what) => problems.push(format!("criterion `{name}`: {what}")),
                Ok(v) if v < rubric.low || v > rubric.high => problems.push(format!(
                    "criterion `{name}`: {v} is outside the scale {}..{}",
                    rubric.low, rubric.high
                )),
                Ok(v) => {
                    scores.insert(name.to_string(), v);
                }
            },
        }
    }
    if problems.is_empty() {
        Ok(scores)
    } else {
        Err(problems.join("; "))
    }
}

/// Every JSON object in `text`: those in code fences first, then any other, in order.
fn json_objects(text: &str) -> Vec<Map<String, Value>> {
    let mut found = Vec::new();
    for block in fenced_blocks(text).into_iter().chain([text]) {
        let mut pos = 0;
        while let Some(offset) = block[pos..].find('{') {
            let start = pos + offset;
            let mut stream =
                serde_json::Deserializer::from_str(&block[start..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(Value::Object(map))) => {
                    pos = start + stream.byte_offset();
                    found.push(map);
                }
                _ => pos = start + 1,
            }
        }
    }
    found
}

/// The contents of the ``` fenced blocks of `text`.
fn fenced_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let body = &after[body_start..];
        match body.find("```") {
            Some(close) => {
                blocks.push(&body[..close]);
                rest = &body[close + 3..];
            }
            None => break,
        }
    }
    blocks
}

/// `object` when it has a criterion key, or its one nested object that has one
/// (`{"scores": {...}}`).
fn with_criteria<'a>(
    rubric: &Rubric,
    object: &'a Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    let has_any = |o: &Map<String, Value>| rubric.names().any(|n| lookup(o, n).is_some());
    if has_any(object) {
        return Some(object);
    }
    let nested: Vec<&Map<String, Value>> = object
        .values()
        .filter_map(Value::as_object)
        .filter(|o| has_any(o))
        .collect();
    match nested.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The value of criterion `name`: its exact key, else a key equal up to case, spaces and `&`.
fn lookup<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        let key = criterion_key(name);
        object
            .iter()
            .find(|(k, _)| criterion_key(k) == key)
            .map(|(_, v)| v)
    })
}

fn integer(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15) {
                Ok(f as i64)
            } else {
                Err(format!("{n} is not an integer"))
            }
        }
        Value::String(s) => Err(format!("{s:?} is a string, not an integer")),
        other => Err(format!("{other} is not an integer")),
    }
}

fn excerpt(answer: &str) -> String {
    let one_line: String = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(empty)".into();
    }
    let cut: String = one_line.chars().take(120).collect();
    if cut.len() < one_line.len() {
        format!("{cut:?}...")
    } else {
        format!("{cut:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::item::{RubricCriterion, RubricLevel};

    fn rubric() -> Rubric {
        Rubric {
            level: RubricLevel::Agent,
            criteria: ["consistency", "response_relevance"]
                .iter()
                .map(|n| RubricCriterion {
                    name: n.to_string(),
                    description: String::new(),
                })
                .collect(),
            low: 1,
            high: 5,
        }
    }

    fn ok(answer: &str) -> Scores {
        parse_scores(&rubric(), answer).unwrap()
    }

    fn err(answer: &str) -> String {
        parse_scores(&rubric(), answer).unwrap_err()
    }

    #[test]
    fn plain_fenced_and_prose_wrapped_json() {
        let want: Scores = [
            ("consistency".to_string(), 4),
            ("response_relevance".to_string(), 2),
        ]
        .into_iter()
        .collect();
        assert_eq!(ok(r#"{"consistency": 4, "response_relevance": 2}"#), want);
        assert_eq!(
            ok(
                "Here you go:\n```json\n{\"consistency\": 4,\n \"response_relevance\": 2}\n```\nThanks."
            ),
            want
        );
        assert_eq!(
            ok(
                r#"My rating {tentative} is {"consistency": 4, "response_relevance": 2.0, "reasoning": "ok"} overall."#
            ),
            want
        );
        assert_eq!(
            ok(r#"{"scores": {"Consistency": 4, "Response Relevance": 2}}"#),
            want
        );
    }

    #[test]
    fn bad_answers_fail_with_a_reason() {
        assert!(err("I would give it a four.").contains("no JSON object"));
        assert!(err("").contains("(empty)"));
        assert!(err(r#"{"a": 1}"#).contains("none of the criteria (its keys: a)"));
        assert_eq!(
            err(r#"{"consistency": 4}"#),
            "criterion `response_relevance` is missing"
        );
        assert!(
            err(r#"{"consistency": 3.5, "response_relevance": 2}"#)
                .contains("3.5 is not an integer")
        );
        assert!(err(r#"{"consistency": "4", "response_relevance": 2}"#).contains("is a string"));
        assert_eq!(
            err(r#"{"consistency": 6, "response_relevance": 0}"#),
            "criterion `consistency`: 6 is outside the scale 1..5; criterion `response_relevance`: 0 is outside the scale 1..5"
        );
        assert!(
            err(r#"{"consistency": null, "response_relevance": 2}"#)
                .contains("null is not an integer")
        );
    }
}
