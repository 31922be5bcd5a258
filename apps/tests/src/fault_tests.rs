//! (placeholder)
use crate::framework::Test;

pub const TESTS: &[Test] = &[];
