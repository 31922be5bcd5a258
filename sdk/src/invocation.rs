//! Object invocations: a Call on a capability with an invocation label. Arguments beyond the
//! four register message registers, and capabilities sent along, travel in the IPC buffer;
//! errors come back as seL4 error codes in the reply's label with details in the message.
use crate::runtime::ipc_buffer;
use crate::syscall::{self, Reply};
use atoll_abi::{Error, InvocationLabel, MessageInfo};

/// An error reply: seL4's code and the message words that describe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    pub error: Error,
    pub detail: [u64; 6],
    pub length: usize,
}

impl Failure {
    pub fn detail(&self) -> &[u64] {
        &self.detail[..self.length]
    }
}

/// Message register `index` of a reply.
pub fn reply_mr(reply: &Reply, index: usize) -> u64 {
    if index < 4 { reply.mrs[index] } else { ipc_buffer().msg[index] }
}

/// Performs an invocation with message registers `mrs` and capabilities `caps`.
pub fn invoke(cap: u64, label: InvocationLabel, mrs: &[u64], caps: &[u64]) -> Result<Reply, Failure> {
    let buffer = ipc_buffer();
    let mut registers = [0u64; 4];
    for (index, &word) in mrs.iter().enumerate() {
        if index < 4 {
            registers[index] = word;
        } else {
            buffer.msg[index] = word;
        }
    }
    for (index, &cptr) in caps.iter().take(3).enumerate() {
        buffer.caps_or_badges[index] = cptr;
    }
    let info = MessageInfo::new(label.value(), 0, caps.len().min(3) as u64, mrs.len() as u64);
    let reply = syscall::call(cap, info, registers);
    match reply.info.label() {
        0 => Ok(reply),
        code => {
            let length = (reply.info.length() as usize).min(6);
            let mut detail = [0u64; 6];
            for (index, word) in detail.iter_mut().enumerate().take(length) {
                *word = reply_mr(&reply, index);
            }
            let error = Error::from_value(code).unwrap_or(Error::IllegalOperation);
            Err(Failure { error, detail, length })
        }
    }
}

/// seL4_RISCV_Page_GetAddress: the physical address of a frame.
pub fn page_get_address(frame: u64) -> Result<u64, Error> {
    invoke(frame, InvocationLabel::RiscvPageGetAddress, &[], &[]).map(|reply| reply.mrs[0]).map_err(|f| f.error)
}
