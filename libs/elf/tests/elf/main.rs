//! Host tests for `atoll-elf`, on files made by a small in-test builder.

mod accessors;
mod builder;
mod errors;
mod props;
mod symbols;
