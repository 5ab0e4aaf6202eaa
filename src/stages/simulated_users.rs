//! `simulated_users`: writes the requested MBTI profiles to `users.json` for the evaluation
//! stages that simulate users.

use crate::data::{mbti_codes, mbti_type};
use crate::spec::stages::simulated_users::{SimulatedUsersParams, USERS};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::write_json;

/// Bump when what this stage writes changes (reruns `simulated_users` stages only).
pub const VERSION: u32 = 1;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: SimulatedUsersParams = ctx.params()?;
    let mut users = Vec::with_capacity(params.types.len());
    for code in &params.types {
        let Some(t) = mbti_type(code) else {
            let closest = mbti_codes()
                .map(|c| (strsim::levenshtein(c, &code.to_ascii_uppercase()), c))
                .min()
                .map(|(_, c)| c)
                .unwrap_or("INFP");
            return Err(miette::miette!(
                code = "mascot::stage::unknown_mbti",
                help = format!(
                    "did you mean `{closest}`? MBTI codes are four letters: E/I, S/N, T/F, J/P"
                ),
                "stage `{}`: `{code}` is not one of the 16 MBTI types",
                ctx.stage.id
            ));
        };
        users.push(t);
    }
    ctx.progress.set_total(users.len() as u64);
    ctx.progress.inc(users.len() as u64);
    write_json(&ctx.out_dir.join(USERS), &users)?;
    let codes: Vec<&str> = users.iter().map(|u| u.code.as_str()).collect();
    Ok(StageOutput {
        summary: serde_json::json!({ "users": users.len(), "types": codes }),
    })
}
