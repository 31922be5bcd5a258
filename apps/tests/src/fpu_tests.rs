//! (placeholder, filled in by the next commit)
use crate::framework::Test;

pub const TESTS: &[Test] = &[];
