//! The `multi_agent_esc` baseline's turn, after MultiAgentESC (Xu et al., EMNLP 2025), for
//! every episode at once (each step one batched call):
//!
//! 1. dialogue analysis: an emotion agent, then a cause (event) agent that reads the emotion
//!    analysis, then an intention agent that reads both;
//! 2. strategy deliberation: `strategy_agents` agents in turn, each seeing the earlier
//!    proposals, each proposing one of the eight ESConv strategies; the valid, distinct
//!    proposals are kept in order;
//! 3. response generation: one response per kept strategy (`Response:` read from it);
//! 4. selection: with two or more candidates, one call chooses (`Choice: <strategy>`).
//!
//! Fallbacks (each counted in `format_fallbacks`): no valid strategy -> the zero-shot
//! assistant prompt answers instead (as the original does when it finds no strategy); a
//! response without `Response:` -> its whole text; a selection naming no candidate -> the
//! first candidate.
//!
//! Differences from the original, for a self-contained baseline: no retrieval of similar
//! ESConv cases (the strategy definitions are given instead), no complexity gate (every turn
//! runs the whole pipeline), and the debate / reflection / vote / self-refinement rounds of
//! the selection are one selection call.

use crate::dialogue::chat_model::{ChatModel, Completion, generate_batched};
use crate::dialogue::config::ConversationConfig;
use crate::dialogue::error::DialogueError;
use crate::dialogue::esc_prompts::{
    Analysis, cause_prompt, emotion_prompt, intention_prompt, read_choice, read_strategy,
    selection_prompt, strategy_name, strategy_prompt, strategy_response_prompt,
};
use crate::dialogue::history::ASSISTANT;
use crate::dialogue::prompts_single::{PromptStyle, assistant_prompt, read_cot_answer};
use crate::dialogue::respond::{Reply, ReplyRequest, SINGLE, phase};
use crate::dialogue::rows::{Message, RecipeStep};
use crate::dialogue::text::{cut_at_other_turn, visible_reply};

struct Step<'c> {
    cfg: &'c ConversationConfig,
    model: &'c dyn ChatModel,
    turn: usize,
}

impl Step<'_> {
    fn call(&self, chats: &[Vec<Message>], sub: u64) -> Result<Vec<Completion>, DialogueError> {
        let decoding = self.cfg.decoding(
            self.cfg.max_tokens,
            self.cfg.temperature,
            self.cfg.speaker_thinking,
            self.turn,
            phase::ESC + sub,
        );
        generate_batched(
            self.model,
            chats,
            &decoding,
            self.cfg.batch_size,
            "assistant",
            self.turn,
        )
    }
}

fn record(reply: &mut Reply, name: String, c: &Completion) {
    reply.calls += 1;
    reply.all_tokens.add(c.tokens());
    reply.steps.push(RecipeStep {
        name,
        text: c.text.clone(),
        tokens: c.tokens(),
    });
}

/// One MultiAgentESC reply per request.
pub(crate) fn esc_replies(
    cfg: &ConversationConfig,
    model: &dyn ChatModel,
    requests: &[ReplyRequest<'_>],
    turn: usize,
) -> Result<Vec<Reply>, DialogueError> {
    let step = Step { cfg, model, turn };
    let n = requests.len();
    let mut replies: Vec<Reply> = (0..n)
        .map(|_| Reply {
            speaker: ASSISTANT.into(),
            calls: 0,
            ..Reply::default()
        })
        .collect();
    let mut analyses = vec![Analysis::default(); n];

    // 1. Dialogue analysis.
    let chats: Vec<_> = requests
        .iter()
        .map(|r| emotion_prompt(r.start, r.history))
        .collect();
    for (i, c) in step.call(&chats, 0)?.iter().enumerate() {
        analyses[i].emotion = c.visible.clone();
        record(&mut replies[i], "emotion".into(), c);
    }
    let chats: Vec<_> = requests
        .iter()
        .zip(&analyses)
        .map(|(r, a)| cause_prompt(r.start, r.history, a))
        .collect();
    for (i, c) in step.call(&chats, 1)?.iter().enumerate() {
        analyses[i].event = c.visible.clone();
        record(&mut replies[i], "cause".into(), c);
    }
    let chats: Vec<_> = requests
        .iter()
        .zip(&analyses)
        .map(|(r, a)| intention_prompt(r.start, r.history, a))
        .collect();
    for (i, c) in step.call(&chats, 2)?.iter().enumerate() {
        analyses[i].intention = c.visible.clone();
        record(&mut replies[i], "intention".into(), c);
    }

    // 2. Strategy deliberation.
    let mut proposals: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut strategies: Vec<Vec<usize>> = vec![Vec::new(); n];
    for agent in 0..cfg.strategy_agents.max(1) {
        let chats: Vec<_> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| strategy_prompt(r.start, r.history, &analyses[i], &proposals[i]))
            .collect();
        for (i, c) in step.call(&chats, 3 + agent as u64)?.iter().enumerate() {
            if let Some(s) = read_strategy(&c.visible)
                && !strategies[i].contains(&s)
            {
                strategies[i].push(s);
            }
            proposals[i].push(c.visible.clone());
            record(&mut replies[i], format!("strategy_agent_{}", agent + 1), c);
        }
    }

    // 3. One response per strategy (the zero-shot prompt where no strategy is valid).
    let mut chats = Vec::new();
    let mut owners: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        if strategies[i].is_empty() {
            let style = PromptStyle {
                few_shot: false,
                chain_of_thought: false,
            };
            chats.push(assistant_prompt(r.start, r.history, style, &[]));
            owners.push((i, None));
            replies[i].format_fallbacks += 1;
        }
        for &s in &strategies[i] {
            chats.push(strategy_response_prompt(
                r.start,
                r.history,
                &analyses[i],
                s,
            ));
            owners.push((i, Some(s)));
        }
    }
    let sub = 3 + cfg.strategy_agents.max(1) as u64;
    let out = step.call(&chats, sub)?;
    let mut candidates: Vec<Vec<(usize, String, Completion)>> = vec![Vec::new(); n];
    for ((i, s), c) in owners.into_iter().zip(out) {
        match s {
            None => {
                let text = visible_reply(&c.visible, ASSISTANT, &SINGLE);
                record(&mut replies[i], "response_zero_shot".into(), &c);
                set_response(&mut replies[i], text, &c);
            }
            Some(s) => {
                let answer = read_cot_answer(&c.visible);
                if !answer.format_ok {
                    replies[i].format_fallbacks += 1;
                }
                record(
                    &mut replies[i],
                    format!("response_{}", strategy_name(s)),
                    &c,
                );
                let response = cut_at_other_turn(&answer.response, ASSISTANT, &SINGLE);
                candidates[i].push((s, response, c));
            }
        }
    }

    // 4. Selection.
    let contested: Vec<usize> = (0..n).filter(|&i| candidates[i].len() > 1).collect();
    let chats: Vec<_> = contested
        .iter()
        .map(|&i| {
            let cands: Vec<(usize, String)> = candidates[i]
                .iter()
                .map(|(s, t, _)| (*s, t.clone()))
                .collect();
            selection_prompt(requests[i].start, requests[i].history, &cands)
        })
        .collect();
    let out = if chats.is_empty() {
        Vec::new()
    } else {
        step.call(&chats, sub + 1)?
    };
    let mut choice = vec![0usize; n];
    for (&i, c) in contested.iter().zip(&out) {
        let names: Vec<usize> = candidates[i].iter().map(|(s, _, _)| *s).collect();
        match read_choice(&c.visible, &names) {
            Some(k) => choice[i] = k,
            None => replies[i].format_fallbacks += 1,
        }
        record(&mut replies[i], "selection".into(), c);
    }
    for i in 0..n {
        if let Some((_, text, c)) = candidates[i].get(choice[i]) {
            let (text, c) = (text.clone(), c.clone());
            set_response(&mut replies[i], text, &c);
        }
    }
    Ok(replies)
}

fn set_response(reply: &mut Reply, text: String, c: &Completion) {
    reply.response = text;
    reply.raw = c.text.clone();
    reply.tokens = c.tokens();
    reply.think = c.think.clone();
    reply.truncated = c.truncated;
}
