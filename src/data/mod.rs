//! Dataset readers: Empathetic Dialogues, QMSum, simulated MBTI users.
