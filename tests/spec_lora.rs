//! A model declaration's `lora` block lowers to the runtime's `LoraSpec`: the paper's
//! defaults, the rsLoRA option, and a serialised spec that omits `rslora` when it is false
//! (so plans written before the option keep their content keys).

use std::path::Path;

use mascot::model::LoraSpec;

fn lora_of(lora_block: &str) -> LoraSpec {
    let src = format!(
        "experiment \"x\" {{}}\n\
         model m {{\n\
             source: tiny(layers: 1, hidden: 8, intermediate: 8, heads: 1, kv_heads: 1, vocab: 300)\n\
             lora: {lora_block}\n\
         }}\n"
    );
    let loaded = mascot::lang::load_bytes(Path::new("t.mascot"), "t.mascot", src.as_bytes());
    let ir = match mascot::lang::check(&loaded) {
        Ok(ir) => ir,
        Err(d) => panic!("{src} does not check: {:?}", d.0),
    };
    ir.decls.models["m"].lora.clone().expect("a lora block")
}

#[test]
fn lora_defaults_are_the_papers_without_rslora() {
    let spec = lora_of("{}");
    assert_eq!((spec.r, spec.alpha, spec.dropout), (16, 32.0, 0.1));
    assert_eq!(spec.targets, ["q_proj", "k_proj", "v_proj", "o_proj"]);
    assert!(!spec.rslora);
    let json = serde_json::to_value(&spec).unwrap();
    assert!(json.get("rslora").is_none(), "{json}");
    assert!(json.get("layers").is_none(), "{json}");
    let back: LoraSpec = serde_json::from_value(json).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn rslora_true_reaches_the_spec_and_its_serialisation() {
    let spec = lora_of("{ r: 8, rslora: true }");
    assert_eq!(spec.r, 8);
    assert!(spec.rslora);
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["rslora"], serde_json::Value::Bool(true));
    assert_eq!(mascot::model::lora::lora_scale(&spec), 32.0 / 8f64.sqrt());
}

#[test]
fn layers_reach_the_spec_and_an_empty_list_is_refused() {
    let spec = lora_of("{ layers: [0] }");
    assert_eq!(spec.layers, Some(vec![0]));
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["layers"], serde_json::json!([0]));

    let src = "experiment \"x\" {}\n\
               model m {\n\
                   source: tiny(layers: 1, hidden: 8, intermediate: 8, heads: 1, kv_heads: 1, vocab: 300)\n\
                   lora: { layers: [] }\n\
               }\n";
    let loaded = mascot::lang::load_bytes(Path::new("t.mascot"), "t.mascot", src.as_bytes());
    let Err(err) = mascot::lang::check(&loaded) else {
        panic!("an empty `layers` list must not check");
    };
    let text = format!("{:?}", err.0);
    assert!(text.contains("must not be empty"), "{text}");
}
