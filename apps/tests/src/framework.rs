//! A minimal test runner for a root task: named tests, one line each, a pass/fail count.
use atoll_sdk::{BootInfo, println};

/// Why a test failed: the check that did not hold, and where.
pub struct Failure {
    pub what: &'static str,
    pub line: u32,
}

pub type Outcome = Result<(), Failure>;

pub struct Test {
    pub name: &'static str,
    pub run: fn(&'static BootInfo) -> Outcome,
}

/// Fails the test with the condition's text unless it holds; extra arguments are printed.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err($crate::framework::Failure { what: stringify!($cond), line: line!() });
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            atoll_sdk::println!("    note: {}", format_args!($($arg)+));
            return Err($crate::framework::Failure { what: stringify!($cond), line: line!() });
        }
    };
}

/// Fails unless both sides are equal, printing both.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            atoll_sdk::println!("    note: left = {:?}, right = {:?}", left, right);
            return Err($crate::framework::Failure {
                what: concat!(stringify!($left), " == ", stringify!($right)),
                line: line!(),
            });
        }
    }};
}

pub fn run_all(groups: &[&[Test]], bootinfo: &'static BootInfo) -> (u32, u32) {
    let (mut passed, mut failed) = (0, 0);
    for test in groups.iter().flat_map(|group| group.iter()) {
        match (test.run)(bootinfo) {
            Ok(()) => {
                passed += 1;
                println!("test {} ... ok", test.name);
            }
            Err(failure) => {
                failed += 1;
                println!("test {} ... FAILED: {} (line {})", test.name, failure.what, failure.line);
            }
        }
    }
    (passed, failed)
}

/// Fails unless `result` is an error with seL4 code `code`; evaluates to the failure details.
#[macro_export]
macro_rules! check_err {
    ($result:expr, $code:expr) => {
        match $result {
            Err(failure) if failure.error == $code => failure,
            other => {
                atoll_sdk::println!("    note: got {:?}, wanted {:?}", other.map(|_| ()), $code);
                return Err($crate::framework::Failure { what: stringify!($result), line: line!() });
            }
        }
    };
}

/// Fails unless `result` is `Ok`, printing the error.
#[macro_export]
macro_rules! check_ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(failure) => {
                atoll_sdk::println!("    note: failed with {:?}", failure);
                return Err($crate::framework::Failure { what: stringify!($result), line: line!() });
            }
        }
    };
}
