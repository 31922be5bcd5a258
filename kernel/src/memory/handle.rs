//! Typed handles to kernel objects.
use crate::arch::layout::phys_to_kernel_ptr;
use core::marker::PhantomData;
use core::num::NonZeroU64;

/// A kernel object type that lives in memory retyped from untyped (or carved at boot).
///
/// # Safety
/// Every bit pattern that zeroed memory or the object's own setters can leave must be a valid
/// value of the type, since handles read fields of objects in place.
pub unsafe trait KernelObject {}

/// A handle to a live kernel object of type `T`, named by its physical address. It is an
/// address, not a reference: copying it is free, and it gives access only through the field
/// getters and setters of the typed memory layer, which never create references.
#[repr(transparent)]
pub struct Handle<T> {
    paddr: NonZeroU64,
    _object: PhantomData<fn() -> T>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Handle<T> {}
impl<T> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.paddr == other.paddr
    }
}
impl<T> Eq for Handle<T> {}
impl<T> core::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.paddr)
    }
}

impl<T: KernelObject> Handle<T> {
    /// The object at `paddr`.
    ///
    /// # Safety
    /// `paddr` is non-zero, aligned for `T`, and names a live object of type `T` for as long as
    /// the handle is used (the layer's invariant, see the module documentation).
    #[inline(always)]
    pub const unsafe fn from_paddr(paddr: u64) -> Self {
        // SAFETY: forwarded caller obligation (non-zero).
        Handle { paddr: unsafe { NonZeroU64::new_unchecked(paddr) }, _object: PhantomData }
    }

    /// As `from_paddr`, with 0 meaning none.
    ///
    /// # Safety
    /// As for `from_paddr` when `paddr` is not zero.
    #[inline(always)]
    pub const unsafe fn from_paddr_or_none(paddr: u64) -> Option<Self> {
        match NonZeroU64::new(paddr) {
            Some(paddr) => Some(Handle { paddr, _object: PhantomData }),
            None => None,
        }
    }

    #[inline(always)]
    pub fn paddr(self) -> u64 {
        self.paddr.get()
    }

    /// The object's address in the kernel window, for the field accessors and for the
    /// architecture's assembly (which saves registers into a TCB).
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *mut T {
        phys_to_kernel_ptr(self.paddr.get())
    }
}

/// Getters and setters for `Copy` fields of an object reached through a `Handle`: each reads
/// or writes the field in place, through the kernel window, without making a reference.
macro_rules! fields {
    ($object:ty { $($field:ident, $setter:ident: $ty:ty;)* }) => {
        impl $crate::memory::Handle<$object> {
            $(
                #[inline(always)]
                pub fn $field(self) -> $ty {
                    // SAFETY: a Handle names a live object of its type (the layer's invariant);
                    // the field is read in place.
                    unsafe { (&raw const (*self.as_ptr()).$field).read() }
                }

                #[inline(always)]
                pub fn $setter(self, value: $ty) {
                    // SAFETY: as above; the value is a valid one of the field's type.
                    unsafe { (&raw mut (*self.as_ptr()).$field).write(value) }
                }
            )*
        }
    };
}
pub(super) use fields;
