//! The demo: a deterministic, realistic dataset and its loader.

mod generate;
mod load;
mod words;

pub use generate::{generate, DemoSize};
pub use load::{load, LoadReport};
