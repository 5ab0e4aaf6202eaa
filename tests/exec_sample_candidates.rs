//! `sample_candidates` with a scripted model: K responses for every (context, persona), in
//! batches with distinct seeds, each conversation carrying the persona's system prompt.

use std::sync::Mutex;

use mascot::plan::{ContentKey, Stage};
use mascot::spec::StageKind;
use mascot::spec::decoding::Decoding;
use mascot::spec::persona::{FewShotExample, Persona};
use mascot::spec::stages::sample_candidates::{Candidate, SampleCandidatesParams};
use mascot::stages::sample_candidates::{BATCH, sample_with};
use mascot::stages::sampler::{Message, ResponseSampler, Sampled};
use mascot::stages::{InputArtifact, NoProgress, StageContext};

/// Answers `<persona name>|<seed>|<index in batch>` and remembers every call.
struct Scripted {
    calls: Mutex<Vec<(usize, u64)>>,
}

impl ResponseSampler for Scripted {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        d: &Decoding,
        seed: u64,
    ) -> miette::Result<Vec<Sampled>> {
        assert_eq!(d.max_tokens, 4);
        self.calls.lock().unwrap().push((conversations.len(), seed));
        Ok(conversations
            .iter()
            .enumerate()
            .map(|(i, c)| {
                assert_eq!(c[0].role, "system");
                assert_eq!(c[1].role, "user");
                let name = c[0].content.split('.').next().unwrap().to_string();
                Sampled {
                    text: format!("{name}|{seed}|{i}"),
                    prompt_tokens: c[0].content.len() + c[1].content.len(),
                    output_tokens: 3,
                    cut_by_context: false,
                }
            })
            .collect())
    }
}

fn persona(name: &str) -> Persona {
    Persona {
        name: name.into(),
        description: format!("{name} listens."),
        traits: vec!["calm".into()],
        style: None,
        examples: vec![FewShotExample {
            context: "hi".into(),
            response: "hello".into(),
        }],
    }
}

fn params(k: usize, limit: Option<usize>) -> SampleCandidatesParams {
    serde_json::from_value(serde_json::json!({
        "model": {"source": "tiny", "arch": "llama", "layers": 1, "hidden": 8, "intermediate": 16,
                  "heads": 2, "kv_heads": 1, "vocab": 320, "max_seq_len": 64, "seed": 1},
        "personas": [persona("Anchor"), persona("Beacon")],
        "k": k, "temperature": 1.0, "top_p": 1.0, "top_k": null, "max_tokens": 4, "seed": 9,
        "limit": limit,
    }))
    .unwrap()
}

/// (batch size, seed) of each model call.
type Calls = Vec<(usize, u64)>;

fn run(k: usize, limit: Option<usize>) -> miette::Result<(Vec<Candidate>, Calls)> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let records: String = (0..3)
        .map(|i| format!("{{\"id\":\"c{i}\",\"context\":\"context {i}\",\"emotion\":\"sad\"}}\n"))
        .collect();
    std::fs::write(input.join("records.jsonl"), records).unwrap();
    let p = params(k, limit);
    let stage = Stage {
        id: "main/sample".into(),
        kind: StageKind::SampleCandidates,
        params: serde_json::to_value(&p).unwrap(),
        inputs: vec!["main/load".into()],
        external: vec![],
        key: ContentKey("x".into()),
        variants: vec![],
    };
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (work, calls) = (dir.path().join("work"), dir.path().join("calls"));
    let ctx = StageContext {
        stage: &stage,
        base_dir: dir.path(),
        out_dir: &out,
        work_dir: &work,
        calls_dir: &calls,
        inputs: vec![InputArtifact {
            id: "main/load".into(),
            kind: StageKind::LoadDataset,
            key: "k".into(),
            dir: input,
            summary: serde_json::json!({}),
            files: 1,
            bytes: 0,
        }],
        progress: &NoProgress,
    };
    let sampler = Scripted {
        calls: Mutex::new(Vec::new()),
    };
    sample_with(&ctx, &p, &sampler)?;
    let text = std::fs::read_to_string(out.join("candidates.jsonl")).unwrap();
    let candidates = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let personas = std::fs::read_to_string(out.join("personas.json")).unwrap();
    assert!(personas.contains("Traits: calm."), "{personas}");
    Ok((candidates, sampler.calls.into_inner().unwrap()))
}

#[test]
fn k_responses_per_context_and_persona_in_seeded_batches() {
    let (cands, calls) = run(3, Some(2)).unwrap();
    assert_eq!(cands.len(), 2 * 2 * 3);
    for c in ["c0", "c1"] {
        for p in ["Anchor", "Beacon"] {
            let ks: Vec<usize> = cands
                .iter()
                .filter(|x| x.context_id == c && x.persona == p)
                .map(|x| x.k)
                .collect();
            assert_eq!(ks, vec![0, 1, 2]);
        }
    }
    assert!(
        cands
            .iter()
            .all(|c| c.response.starts_with(&format!("You are {}", c.persona)))
    );
    assert_eq!(cands[0].context, "context 0");
    // 12 requests in batches of BATCH, each batch with its own seed.
    let sizes: Vec<usize> = calls.iter().map(|c| c.0).collect();
    assert_eq!(sizes, vec![BATCH, 12 - BATCH]);
    assert_ne!(calls[0].1, calls[1].1);
    // Same parameters, same seeds.
    let (_, again) = run(3, Some(2)).unwrap();
    assert_eq!(calls, again);
    // All contexts without a limit.
    let (cands, _) = run(2, None).unwrap();
    assert_eq!(cands.len(), 3 * 2 * 2);
}

#[test]
fn k_below_two_is_refused() {
    let err = run(1, None).unwrap_err();
    assert!(err.to_string().contains("k = 1 is too small"), "{err}");
}
