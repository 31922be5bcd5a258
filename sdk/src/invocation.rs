//! Object invocations: a Call on a capability with an invocation label; errors come back as
//! seL4 error codes in the reply's label.
use crate::syscall::{self, Reply};
use atoll_abi::{Error, InvocationLabel, MessageInfo};

/// Performs an invocation and turns a non-zero reply label into an `Error`.
pub fn invoke(cap: u64, label: InvocationLabel, mrs: &[u64]) -> Result<Reply, Error> {
    let mut words = [0u64; 4];
    let length = mrs.len().min(4);
    words[..length].copy_from_slice(&mrs[..length]);
    let reply = syscall::call(cap, MessageInfo::new(label.value(), 0, 0, length as u64), words);
    match reply.info.label() {
        0 => Ok(reply),
        code => Err(Error::from_value(code).unwrap_or(Error::IllegalOperation)),
    }
}

/// seL4_RISCV_Page_GetAddress: the physical address of a frame.
pub fn page_get_address(frame: u64) -> Result<u64, Error> {
    invoke(frame, InvocationLabel::RiscvPageGetAddress, &[]).map(|reply| reply.mrs[0])
}
