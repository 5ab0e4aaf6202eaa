//! The agent-level proxies (the paper's Table 5), each a measured quantity mapped onto 1-5.
//!
//! | criterion | measured quantity | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|---|
//! | `emotional_expressiveness` | `q = min(5, congruent) - 2 * incongruent` intensity markers for the context's valence | q <= 0 | 1 | 2 | 3 | >= 4 |
//! | `empathetic_support_quality` | `T = ER + IP + EX`, each 0-2 (Sharma et al.) | 0 | 1 | 2 | 3-4 | 5-6 |
//! | `consistency` | persona adherence `a` in [0, 1] ([`super::persona_fit`]) | < .15 | < .35 | < .55 | < .75 | >= .75 |
//! | `response_relevance` | `k` distinct content stems shared with the context (capped at 3 when under 15% of the response's stems are shared) | 0 | 1 | 2 | 3-4 | >= 5 |
//! | `social_contribution` | `q` = kinds of contribution (perspective, reassurance, guidance) + novelty points | 0 | 1 | 2 | 3 | >= 4 |
//!
//! Intensity markers: emotion words, intensifiers (counted only next to an emotion word) and
//! exclamations. Congruent with a negative context: negative and neutral emotion words
//! (`sorry`, `lonely`...); incongruent: cheerful words and exclamations. Positive context:
//! positive and neutral words and exclamations are congruent, negative words incongruent.
//! Neutral context: every emotion word is congruent; exclamations are congruent for an
//! energetic persona (enthusiastic, energetic, celebratory traits), incongruent for a calm
//! one (patient, reflective, objective, analytical), and ignored otherwise. The context's
//! valence is that of its Empathetic Dialogues emotion label when the item has one, else the
//! majority of its positive vs negative emotion words.
//!
//! Empathy (Sharma et al., 2020): emotional reactions `ER` = 2 with a reaction phrase
//! (`I'm so sorry`, `that sounds`...) and an emotion word, 1 with either; interpretations
//! `IP` = 2 when an interpretation phrase (`it sounds like`, `you must`...) shares its
//! sentence with an emotion word or a word of the context, 1 for any interpretation or a
//! generic `I understand`; explorations `EX` = 2 for a question that names something from
//! the context or opens like `what happened` / `how did`, 1 for any other question.
//!
//! Social contribution novelty points: distinct content stems absent from the context, only
//! when the response shares at least one stem with it (a relevant addition): 2 for 5 or more,
//! 1 for 2-4, else 0. A response made only of generic acknowledgements (`okay`, `I see`,
//! `thanks for sharing`) scores 1.

use crate::data::valence::Valence;

use super::lexicon::{
    CHEER_STEMS, EMOTION_STEMS, EXPLORATION_OPENERS, GENERIC_ACKNOWLEDGEMENTS,
    GENERIC_UNDERSTANDING, GUIDANCE, INTENSIFIER_STEMS, INTERPRETATIONS, NEGATIVE_STEMS,
    NEUTRAL_STEMS, PERSPECTIVE, POSITIVE_STEMS, REACTIONS, REASSURANCE,
};
use super::likert::{ADHERENCE, COUNT, band};
use super::persona_fit::adherence;
use super::text::Analysed;
use crate::judge::item::PersonaProfile;

/// One response with what the agent-level proxies compare it to.
pub struct AgentView<'a> {
    pub persona: &'a PersonaProfile,
    pub response: Analysed,
    /// All context turns joined.
    pub context: Analysed,
    pub valence: Valence,
}

/// Appropriate emotional intensity for the context's valence and the persona.
pub fn emotional_expressiveness(v: &AgentView) -> i64 {
    let r = &v.response;
    let pos = r.count_stems_in(&POSITIVE_STEMS);
    let neg = r.count_stems_in(&NEGATIVE_STEMS);
    let neu = r.count_stems_in(&NEUTRAL_STEMS);
    let cheer = r.count_stems_in(&CHEER_STEMS);
    let intens = if pos + neg + neu > 0 {
        r.count_stems_in(&INTENSIFIER_STEMS)
    } else {
        0
    };
    let excl = r.exclamations;
    let (congruent, incongruent) = match v.valence {
        Valence::Negative => (neg + neu + intens, cheer + excl),
        Valence::Positive => (pos + neu + intens + excl, neg),
        Valence::Neutral => {
            let traits = v.persona.traits.join(" ").to_lowercase();
            let has = |keys: &[&str]| keys.iter().any(|k| traits.contains(k));
            let energetic = has(&["enthusias", "energetic", "celebrat", "excit"]);
            let calm = has(&["calm", "patient", "reflect", "objective", "analytic"]);
            let excl_congruent = if energetic { excl } else { 0 };
            let excl_incongruent = if calm && !energetic { excl } else { 0 };
            (pos + neg + neu + intens + excl_congruent, excl_incongruent)
        }
    };
    let q = congruent.min(5) as f64 - 2.0 * incongruent as f64;
    band(q, COUNT)
}

/// Emotional reactions + interpretations + explorations, after Sharma et al. (EPITOME).
pub fn empathetic_support_quality(v: &AgentView) -> i64 {
    let r = &v.response;
    let has_emotion = r.has_stem_in(&EMOTION_STEMS);
    let has_reaction = r.count_phrases(REACTIONS) > 0;
    let er = match (has_reaction, has_emotion) {
        (true, true) => 2,
        (false, false) => 0,
        _ => 1,
    };
    let mut ip = usize::from(r.count_phrases(GENERIC_UNDERSTANDING) > 0);
    for sentence in &r.sentences {
        let s = Analysed::new(sentence);
        if s.count_phrases(INTERPRETATIONS) > 0 {
            let specific =
                s.has_stem_in(&EMOTION_STEMS) || !s.content.is_disjoint(&v.context.content);
            ip = ip.max(if specific { 2 } else { 1 });
        }
    }
    let mut ex = 0;
    for question in &r.questions {
        let q = Analysed::new(question);
        let specific =
            !q.content.is_disjoint(&v.context.content) || q.count_phrases(EXPLORATION_OPENERS) > 0;
        ex = ex.max(if specific { 2 } else { 1 });
    }
    band((er + ip + ex) as f64, [1.0, 2.0, 3.0, 5.0])
}

/// Persona adherence: lexicon, trait and style cues, no assistant talk.
pub fn consistency(v: &AgentView) -> i64 {
    band(adherence(v.persona, &v.response), ADHERENCE)
}

/// Grounding in the context: distinct content stems shared with it.
pub fn response_relevance(v: &AgentView) -> i64 {
    let shared = v.response.content.intersection(&v.context.content).count();
    let score = band(shared as f64, [1.0, 2.0, 3.0, 5.0]);
    let precision = if v.response.content.is_empty() {
        0.0
    } else {
        shared as f64 / v.response.content.len() as f64
    };
    if precision < 0.15 {
        score.min(3)
    } else {
        score
    }
}

/// Perspective, reassurance or guidance, plus relevant new content; not a bare acknowledgement.
pub fn social_contribution(v: &AgentView) -> i64 {
    let r = &v.response;
    if is_generic_acknowledgement(r) {
        return 1;
    }
    let kinds = [PERSPECTIVE, REASSURANCE, GUIDANCE]
        .iter()
        .filter(|phrases| r.count_phrases(phrases) > 0)
        .count();
    let grounded = !r.content.is_disjoint(&v.context.content);
    let novel = r.content.difference(&v.context.content).count();
    let novelty = match (grounded, novel) {
        (false, _) => 0,
        (true, n) if n >= 5 => 2,
        (true, n) if n >= 2 => 1,
        _ => 0,
    };
    band((kinds + novelty) as f64, COUNT)
}

/// Every sentence is a stock acknowledgement (or there is no sentence at all).
fn is_generic_acknowledgement(r: &Analysed) -> bool {
    r.sentences.iter().all(|s| {
        let s = s
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
            .replace('\u{2019}', "'");
        GENERIC_ACKNOWLEDGEMENTS.contains(&s.as_str())
    })
}

/// The valence of the context: its emotion label's, else the majority of its emotion words.
pub fn context_valence(emotion: Option<&str>, context: &Analysed) -> Valence {
    if let Some(v) = emotion.and_then(crate::data::valence::valence_of) {
        return v;
    }
    let pos = context.count_stems_in(&POSITIVE_STEMS);
    let neg = context.count_stems_in(&NEGATIVE_STEMS);
    match pos.cmp(&neg) {
        std::cmp::Ordering::Greater => Valence::Positive,
        std::cmp::Ordering::Less => Valence::Negative,
        std::cmp::Ordering::Equal => Valence::Neutral,
    }
}
