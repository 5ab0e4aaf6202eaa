//! The heuristic judge: deterministic, offline, no model. One documented proxy per
//! criterion of the paper's Tables 5 (agent level) and 6 (group level), found by criterion
//! name. **The scores are proxies** (word lists, overlaps and counts standing in for what an
//! LLM judge rates); reports built on them say so.
//!
//! Every proxy measures a quantity from the text and maps it onto the 1-5 Likert scale by
//! four thresholds ([`likert`]). The definitions, per criterion, are in [`agent`] and
//! [`group`]; persona adherence (for `consistency` and `fidelity`) is in [`persona_fit`]; the
//! word and phrase lists in [`lexicon`]; tokens, stems and sentences in [`text`].
//!
//! | criterion | level | proxy |
//! |---|---|---|
//! | `emotional_expressiveness` | agent | emotion words, intensifiers and `!` that fit the context's valence, minus twice those that clash |
//! | `empathetic_support_quality` | agent | Sharma et al.'s emotional reactions + interpretations + explorations, 0-2 each |
//! | `consistency` | agent | persona adherence: persona vocabulary, trait and style cues, no assistant talk |
//! | `response_relevance` | agent | content words shared with the context |
//! | `social_contribution` | agent | perspective / reassurance / guidance phrases + relevant new content |
//! | `engagement_and_contribution` | group | turns that add new content or synthesise |
//! | `originality_and_specificity` | group | dissimilarity to earlier agents' turns + context details named |
//! | `fidelity` | group | persona adherence of each turn to its speaker |
//! | `relevance_and_coherence` | group | words shared with the previous turn or the context |

pub mod agent;
pub mod group;
pub mod judge;
pub mod lexicon;
pub mod likert;
pub mod persona_fit;
pub mod text;

pub use judge::{HeuristicJudge, PROXIES, Proxy};
