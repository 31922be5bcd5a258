//! The system builder's plan: from a checked system description (`atoll-sdf`) to what each
//! protection domain gets, in seL4 Microkit's ABI, so that a PD built against Microkit's
//! libmicrokit (or Atoll's PD runtime) finds everything where it looks:
//!
//! - its CSpace: one CNode of 512 slots, with the input cap (an endpoint with the PD's
//!   notification bound to its thread if it receives protected calls, has children or runs a
//!   virtual machine, else the notification) in slot 1, its fault endpoint in 2, its reply object in 4, the
//!   monitor's endpoint in 5 (passive PDs), its own TCB in 6, the notifications it may signal
//!   from 10, the endpoints it may call from 74, its IRQ handlers from 138, its children's
//!   TCBs from 202, and a VMM its virtual machine's vCPU threads from 266 and VCPU objects
//!   from 330, each at the base plus the channel, IRQ, child or vCPU id;
//! - its badges: a signal over a channel carries bit (the receiver's end id), a protected
//!   call bit 63 plus that id, a child's (or vCPU's) fault bit 62 plus the child's (or
//!   vCPU's) id, a top-level PD's fault its index plus one (for the monitor);
//! - the values libmicrokit reads from its own variables (`microkit_name`, `microkit_passive`,
//!   `microkit_irqs`, `microkit_notifications`, `microkit_pps`), which the builder writes into
//!   the PD's image.
mod layout;
mod spec;

pub use layout::*;
pub use spec::{append_segment, encode, encode_with_prefill};
