//! Integration tests for atoll-dtb, built around a test-only DTB writer.

mod builder;
mod cells;
mod fuzz;
mod malformed;
mod virt;
