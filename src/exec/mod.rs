//! The executor: content-addressed artifact store, scheduler, run records.
