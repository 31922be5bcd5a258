//! Host tests for `atoll-kernel-core`.

mod cap_layout;
mod cdt;
mod cdt_fastpath_props;
mod cdt_model;
mod cdt_props;
mod cspace;
mod domain;
mod links;
mod mcs_caps;
mod ordered_queue_props;
mod queue_props;
mod ready_props;
mod refill_props;
mod region;
mod region_set;
mod region_set_props;
mod rules;
mod store;
mod untyped;
mod untyped_props;
