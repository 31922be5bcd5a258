//! The run-time domain schedule of seL4 16.0.0: configure and set-start checks, and the walk.
use atoll_kernel_core::domain::{DomainSchedule, MAX_DURATION, ScheduleError};
use proptest::prelude::*;

#[test]
fn boots_in_domain_zero_for_the_longest_time() {
    let mut s = DomainSchedule::<4>::new();
    assert_eq!(s.entry(0), (0, MAX_DURATION));
    assert_eq!(s.advance(), (0, MAX_DURATION));
    assert_eq!(s.index(), 0);
}

#[test]
fn configure_checks_in_sel4_order() {
    let mut s = DomainSchedule::<4>::new();
    // The last entry stays an end marker.
    assert_eq!(s.configure(3, 0, 1, 2), Err(ScheduleError::Range { min: 0, max: 2 }));
    assert_eq!(s.configure(1, 2, 1, 2), Err(ScheduleError::Range { min: 0, max: 1 }));
    assert_eq!(s.configure(1, 1, MAX_DURATION + 1, 2), Err(ScheduleError::InvalidArgument(2)));
    assert_eq!(s.configure(1, 1, 0, 2), Err(ScheduleError::InvalidArgument(1)));
    // The start entry cannot become an end marker; others can.
    assert_eq!(s.configure(0, 0, 0, 2), Err(ScheduleError::InvalidArgument(2)));
    assert_eq!(s.configure(1, 0, 0, 2), Ok(()));
    assert_eq!(s.configure(1, 1, MAX_DURATION, 2), Ok(()));
    assert_eq!(s.entry(1), (1, MAX_DURATION));
}

#[test]
fn set_start_refuses_end_markers_and_forces_a_switch_to_the_start() {
    let mut s = DomainSchedule::<5>::new();
    assert_eq!(s.set_start(5), Err(ScheduleError::Range { min: 0, max: 4 }));
    assert_eq!(s.set_start(2), Err(ScheduleError::InvalidArgument(0)));
    s.configure(2, 1, 30, 2).unwrap();
    s.configure(3, 0, 40, 2).unwrap();
    assert_eq!(s.set_start(2), Ok(()));
    assert_eq!(s.advance(), (1, 30));
    assert_eq!(s.advance(), (0, 40));
    // Entry 4 is the permanent end marker: back to the start, not to entry 0.
    assert_eq!(s.advance(), (1, 30));
}

#[test]
fn an_end_marker_in_the_middle_cuts_the_schedule_short() {
    let mut s = DomainSchedule::<6>::new();
    s.configure(0, 0, 10, 3).unwrap();
    s.configure(1, 2, 20, 3).unwrap();
    s.configure(3, 1, 99, 3).unwrap();
    let seen: [(u8, u64); 5] = core::array::from_fn(|_| s.advance());
    assert_eq!(seen, [(2, 20), (0, 10), (2, 20), (0, 10), (2, 20)]);
}

proptest! {
    /// Whatever is configured, walking never lands on an end marker and never leaves the
    /// table, and every entry it returns is one that was configured.
    #[test]
    fn walking_stays_on_configured_entries(
        ops in proptest::collection::vec((0u64..8, 0u64..4, 0u64..50, any::<bool>()), 0..40),
        steps in 1usize..40,
    ) {
        let mut s = DomainSchedule::<8>::new();
        for (index, domain, duration, start) in ops {
            if start {
                let _ = s.set_start(index);
            } else {
                let _ = s.configure(index, domain, duration, 4);
            }
        }
        for _ in 0..steps {
            let (domain, duration) = s.advance();
            prop_assert!(duration > 0);
            prop_assert!(domain < 4);
            prop_assert!(s.index() < 7);
            prop_assert_eq!(s.entry(s.index()), (domain, duration));
        }
    }
}
