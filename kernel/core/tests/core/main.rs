//! Host tests for `atoll-kernel-core`.

mod region;
mod region_set;
mod region_set_props;
mod untyped;
mod untyped_props;
