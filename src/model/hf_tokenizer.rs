//! The tokenizer side of a Hugging Face folder: `tokenizer.json`, the special tokens and
//! `chat_template` of `tokenizer_config.json` (or `chat_template.jinja`), and the stop ids of
//! `config.json` and `generation_config.json`.

use std::path::Path;

use tokenizers::Tokenizer;

use super::chat_template::ChatTemplate;
use super::error::ModelError;
use super::hf_config::ids_of;
use super::tokenizer::ModelTokenizer;

/// Reads the tokenizer and chat template of the folder `dir`; `config_eos` are the EOS ids of
/// `config.json`.
pub fn read_hf_tokenizer(
    dir: &Path,
    config_eos: &[u32],
) -> Result<(ModelTokenizer, Option<ChatTemplate>), ModelError> {
    let path = dir.join("tokenizer.json");
    if !path.exists() {
        return Err(ModelError::io(
            &path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "tokenizer.json is missing"),
        ));
    }
    let inner = Tokenizer::from_file(&path).map_err(|e| ModelError::corrupt(&path, e))?;
    let config_path = dir.join("tokenizer_config.json");
    let config: serde_json::Value = if config_path.exists() {
        let text =
            std::fs::read_to_string(&config_path).map_err(|e| ModelError::io(&config_path, e))?;
        serde_json::from_str(&text).map_err(|e| ModelError::corrupt(&config_path, e))?
    } else {
        serde_json::Value::Null
    };
    let token_text = |key: &str| {
        config.get(key).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o.get("content")?.as_str().map(str::to_string),
            _ => None,
        })
    };
    let bos_token = token_text("bos_token");
    let eos_token = token_text("eos_token");
    let mut stop_ids: Vec<u32> = config_eos.to_vec();
    let generation_path = dir.join("generation_config.json");
    if generation_path.exists() {
        let text = std::fs::read_to_string(&generation_path)
            .map_err(|e| ModelError::io(&generation_path, e))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| ModelError::corrupt(&generation_path, e))?;
        if let Some(ids) = json.get("eos_token_id") {
            stop_ids.extend(ids_of(ids));
        }
    }
    if let Some(id) = eos_token.as_deref().and_then(|t| inner.token_to_id(t)) {
        stop_ids.push(id);
    }
    stop_ids.sort_unstable();
    stop_ids.dedup();
    let template_file = dir.join("chat_template.jinja");
    let source = match config.get("chat_template") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        // A list of named templates: use the default one.
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .find(|t| t.get("name").and_then(|n| n.as_str()) == Some("default"))
            .or_else(|| items.first())
            .and_then(|t| t.get("template")?.as_str().map(str::to_string)),
        _ if template_file.exists() => Some(
            std::fs::read_to_string(&template_file)
                .map_err(|e| ModelError::io(&template_file, e))?,
        ),
        _ => None,
    };
    let template = source.map(ChatTemplate::new).transpose()?;
    Ok((
        ModelTokenizer {
            inner,
            bos_token,
            eos_token,
            stop_ids,
        },
        template,
    ))
}
