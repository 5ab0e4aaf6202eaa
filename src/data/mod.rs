//! Dataset readers: Empathetic Dialogues, QMSum, simulated MBTI users.

pub mod bad_row;
pub mod ed;
pub mod error;
pub mod mbti;
pub mod qmsum;
pub mod valence;

pub use bad_row::BadRow;
pub use ed::{EdConversation, EdSplit, EdTurn, read_ed_csv};
pub use error::DataError;
pub use mbti::{MbtiType, mbti_codes, mbti_type, mbti_types};
pub use qmsum::{Meeting, QmsumSplit, read_qmsum};
pub use valence::{Valence, valence_of};
