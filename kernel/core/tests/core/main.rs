//! Host tests for `atoll-kernel-core`.

mod cap_layout;
mod cdt;
mod cdt_model;
mod cdt_props;
mod cspace;
mod region;
mod region_set;
mod region_set_props;
mod rules;
mod store;
mod untyped;
mod untyped_props;
