//! aboard: when a socially active passenger who complained before boards a flight, a person from the
//! airline comes to them — at the gate, in the cabin or over their network — and asks whether all is well now.
//!
//! The domain core (`domain`, `manifest`, `registry`, `matching`, `boarding`, `rules`, `tasks`) does no I/O;
//! `store`, `web`, `scheduler` and `messaging` sit at the edges. `run` starts the whole service on a listener,
//! which is how both `main` and the black-box tests start it.

pub mod domain;
pub mod manifest;
