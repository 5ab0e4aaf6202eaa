//! How the supervised training stages (`train_sft`, `train_reward_model`) split a step's
//! batch into forward passes: at most a few examples a pass, gradients
//! accumulated, so that a step's loss is exactly its whole batch's while the activations
//! kept for the backward pass are those of one small pass (with the whole batch at once,
//! they were most of a stage's peak memory).

/// Most SFT sequences in one forward pass.
pub const SFT_MICRO_BATCH: usize = 2;
/// Most reward-model pairs in one forward pass (a pair is two sequences, chosen and
/// rejected, whose rewards the loss compares).
pub const REWARD_MICRO_BATCH: usize = 1;

/// `batch` examples per step as (examples per forward pass, passes): the largest divisor
/// of `batch` not above `most`.
pub fn micro_batches(batch: usize, most: usize) -> (usize, usize) {
    let batch = batch.max(1);
    let micro = (1..=most.max(1).min(batch))
        .rev()
        .find(|m| batch.is_multiple_of(*m))
        .unwrap_or(1);
    (micro, batch / micro)
}

#[cfg(test)]
mod tests {
    use super::micro_batches;

    #[test]
    fn batches_split_into_exact_micro_batches() {
        assert_eq!(micro_batches(32, 2), (2, 16));
        assert_eq!(micro_batches(4, 2), (2, 2));
        assert_eq!(micro_batches(1, 2), (1, 1));
        assert_eq!(micro_batches(13, 2), (1, 13));
        assert_eq!(micro_batches(0, 2), (1, 1));
        assert_eq!(micro_batches(8, 1), (1, 8));
        assert_eq!(micro_batches(12, 4), (4, 3));
    }
}
