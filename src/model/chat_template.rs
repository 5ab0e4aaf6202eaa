//! Chat templates: the model's Jinja `chat_template` rendered with minijinja (plus the Python
//! string methods HF templates use), and the built-in ChatML template of the tiny model.

use std::collections::BTreeMap;

use minijinja::{Environment, Error, ErrorKind, Value};
use serde::{Deserialize, Serialize};

use super::error::ModelError;

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    /// A message with `role` and `content`.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// ChatML, the template of the built-in tiny model (and of SmolLM2 and Qwen).
pub const CHATML_TEMPLATE: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/// A compiled chat template.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
}

impl ChatTemplate {
    /// Compiles `source`, failing early on a syntax error.
    pub fn new(source: impl Into<String>) -> Result<Self, ModelError> {
        let template = Self {
            source: source.into(),
        };
        let env = template.environment()?;
        env.get_template("chat").map_err(template_error)?;
        Ok(template)
    }

    /// The template's Jinja source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders `messages` the way transformers' `apply_chat_template(tokenize=False)` does.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        bos_token: Option<&str>,
        eos_token: Option<&str>,
    ) -> Result<String, ModelError> {
        self.render_with(messages, add_generation_prompt, bos_token, eos_token, None)
    }

    /// [`Self::render`] with `enable_thinking` passed to the template as transformers'
    /// `apply_chat_template(..., enable_thinking=...)` passes it: `Some(b)` defines the
    /// variable, `None` leaves it undefined (the template's default).
    pub fn render_with(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        bos_token: Option<&str>,
        eos_token: Option<&str>,
        enable_thinking: Option<bool>,
    ) -> Result<String, ModelError> {
        let env = self.environment()?;
        let template = env.get_template("chat").map_err(template_error)?;
        let mut ctx: BTreeMap<&str, Value> = BTreeMap::new();
        ctx.insert("messages", Value::from_serialize(messages));
        ctx.insert("add_generation_prompt", Value::from(add_generation_prompt));
        ctx.insert("bos_token", Value::from(bos_token.unwrap_or("")));
        ctx.insert("eos_token", Value::from(eos_token.unwrap_or("")));
        if let Some(on) = enable_thinking {
            ctx.insert("enable_thinking", Value::from(on));
        }
        template.render(ctx).map_err(template_error)
    }

    fn environment(&self) -> Result<Environment<'static>, ModelError> {
        let mut env = Environment::new();
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_function("raise_exception", |msg: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        // transformers exposes this to templates (Llama 3.x date headers).
        env.add_function("strftime_now", |format: String| {
            chrono::Utc::now().format(&format).to_string()
        });
        env.add_template_owned("chat", self.source.clone())
            .map_err(template_error)?;
        Ok(env)
    }
}

fn template_error(err: Error) -> ModelError {
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        reason.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    ModelError::ChatTemplate { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_renders_with_generation_prompt() {
        let t = ChatTemplate::new(CHATML_TEMPLATE).unwrap();
        let text = t
            .render(
                &[
                    ChatMessage::new("system", "be nice"),
                    ChatMessage::new("user", "hi"),
                ],
                true,
                None,
                None,
            )
            .unwrap();
        assert_eq!(
            text,
            "<|im_start|>system\nbe nice<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn enable_thinking_is_undefined_unless_given() {
        let t = ChatTemplate::new(
            "{% if enable_thinking is defined %}{% if enable_thinking is false %}off{% else %}on\
             {% endif %}{% else %}undefined{% endif %}",
        )
        .unwrap();
        let render = |on| t.render_with(&[], false, None, None, on).unwrap();
        assert_eq!(render(None), "undefined");
        assert_eq!(render(Some(true)), "on");
        assert_eq!(render(Some(false)), "off");
    }

    #[test]
    fn raise_exception_becomes_an_error() {
        let t = ChatTemplate::new("{{ raise_exception('no system role') }}").unwrap();
        let err = t.render(&[], false, None, None).unwrap_err();
        assert!(err.to_string().contains("no system role"), "{err}");
    }
}
