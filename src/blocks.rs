//! The wasm modules' memory: blocks whose sizes are powers of two. It takes a
//! few hundred bytes of code where the standard allocator (dlmalloc) takes
//! five KiB, and the modules' allocations suit it: each call's memory is freed
//! when the call ends, and the next call asks for the same sizes again. The
//! send module allocates from it directly; the page's module through its
//! scratch arena ([`crate::arena`]), which takes its chunks from it. The
//! modules' memory copies and fills are here too (`mem`, below).

use core::arch::wasm32::memory_grow;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

/// A page of wasm memory.
const PAGE: usize = 64 * 1024;

/// Memory in blocks whose sizes are powers of two (8 bytes at least), each
/// size with its list of freed blocks to take again; new blocks come from
/// the end of wasm memory, which grows for them. A block of size `s` starts
/// at a multiple of `s` (of a page, when larger), so it is aligned for any
/// layout that fits it. Freed memory is kept by size, never merged.
pub(crate) struct Blocks {
    /// The first freed block of each size (`1 << index`); a freed block holds the next one.
    free: [Cell<usize>; usize::BITS as usize],
    /// Where new blocks start, and the end of wasm memory.
    top: Cell<usize>,
    end: Cell<usize>,
}

impl Blocks {
    /// The size class `layout` needs: the index of its power of two.
    fn class(layout: Layout) -> Option<usize> {
        let size = layout.size().max(layout.align()).max(8).checked_next_power_of_two()?;
        (layout.align() <= PAGE).then_some(size.trailing_zeros() as usize)
    }

    /// A block that holds `layout`, or null when memory cannot grow.
    pub(crate) fn take(&self, layout: Layout) -> *mut u8 {
        let Some(class) = Self::class(layout) else { return std::ptr::null_mut() };
        let head = self.free[class].get();
        if head != 0 {
            // SAFETY: a freed block holds the address of the next one (see give()).
            self.free[class].set(unsafe { *(head as *const usize) });
            return head as *mut u8;
        }
        let (size, align) = (1usize << class, (1usize << class).min(PAGE));
        loop {
            let start = (self.top.get() + align - 1) & !(align - 1);
            let Some(end) = start.checked_add(size) else { return std::ptr::null_mut() };
            if end <= self.end.get() {
                self.top.set(end);
                return start as *mut u8;
            }
            let pages = (end - self.end.get()).div_ceil(PAGE);
            let was = memory_grow(0, pages);
            if was == usize::MAX {
                return std::ptr::null_mut();
            }
            // The new end of memory (4 GiB, all wasm32 has, is past usize).
            let Some(grown) = (was + pages).checked_mul(PAGE) else { return std::ptr::null_mut() };
            if was * PAGE != self.end.get() {
                // The first block, or memory grown by someone else: ours starts at the new pages.
                self.top.set(was * PAGE);
            }
            self.end.set(grown);
        }
    }

    /// Gives back a block `take(layout)` gave.
    pub(crate) fn give(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = Self::class(layout) {
            // SAFETY: the block is at least 8 bytes, aligned, and no longer used.
            unsafe { *(ptr as *mut usize) = self.free[class].get() };
            self.free[class].set(ptr as usize);
        }
    }
}

// SAFETY: the wasm module has one thread; nothing else reaches the blocks.
unsafe impl Sync for Blocks {}

/// The blocks of the module (its global allocator when it has no arena).
#[cfg_attr(not(feature = "subscribe"), global_allocator)]
pub(crate) static BLOCKS: Blocks = Blocks { free: [const { Cell::new(0) }; usize::BITS as usize], top: Cell::new(0), end: Cell::new(0) };

// SAFETY: take() gives aligned, unused memory that holds the layout (or
// null), and a block is not given out again until it is given back.
unsafe impl GlobalAlloc for Blocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.take(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.give(ptr, layout);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: realloc's contract: the new size, with the old alignment, is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if Self::class(new_layout) == Self::class(layout) {
            return ptr; // it still fits its block
        }
        let grown = self.take(new_layout);
        if !grown.is_null() {
            // SAFETY: both blocks hold at least the smaller size and do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(ptr, grown, layout.size().min(new_size)) };
            self.give(ptr, layout);
        }
        grown
    }
}

/// The modules' memory copies and fills, which the compiler calls for every
/// move of a value larger than a few words. compiler-builtins' own copy word
/// by word, with a path per alignment: about 3 KB of code in an MVP module,
/// which has no bulk-memory instructions. These copy byte by byte: the page
/// module is 731 B smaller after brotli (28,938 to 28,207 B), and the
/// benchmark's figures held (the tap path on JavaScriptCore without JIT at
/// 1.72x the plain-JS reference before and after, every scale ratio under
/// 12): most copies are of one value or a short string, and a list that
/// grows to thousands of entries is copied in doublings. Volatile, so that
/// the compiler does not turn the loops back into calls to themselves.
mod mem {
    use std::ptr::{read_volatile, write_volatile};

    /// # Safety
    /// `src` is readable and `dst` writable for `n` bytes; they may overlap.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller's contract; copying from the end first when dst
        // is after src reads each byte before it is written over.
        unsafe {
            if (dst as usize) <= (src as usize) {
                for i in 0..n {
                    write_volatile(dst.add(i), read_volatile(src.add(i)));
                }
            } else {
                for i in (0..n).rev() {
                    write_volatile(dst.add(i), read_volatile(src.add(i)));
                }
            }
        }
        dst
    }

    /// # Safety
    /// As [`memmove`], with `dst` and `src` not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller's contract is memmove's, and more.
        unsafe { memmove(dst, src, n) }
    }

    /// # Safety
    /// `dst` is writable for `n` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn memset(dst: *mut u8, byte: i32, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: the caller's contract.
            unsafe { write_volatile(dst.add(i), byte as u8) };
        }
        dst
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::arch::wasm32::memory_size;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn blocks_are_aligned_to_their_size_and_taken_again_by_size() {
        let blocks = Blocks { free: [const { Cell::new(0) }; usize::BITS as usize], top: Cell::new(0), end: Cell::new(0) };
        let layout = |size, align| Layout::from_size_align(size, align).unwrap();
        let small = blocks.take(layout(24, 8));
        let large = blocks.take(layout(3 * PAGE, 8));
        assert_eq!((small as usize % 32, large as usize % PAGE), (0, 0));
        // SAFETY: the block holds 4 pages (3 rounded up to a power of two).
        unsafe { std::ptr::write_bytes(large, 7, 4 * PAGE) };
        assert!(large as usize + 4 * PAGE <= memory_size(0) * PAGE);
        blocks.give(small, layout(24, 8));
        assert_eq!(blocks.take(layout(30, 4)), small, "a freed block is taken again by a layout of its size");
        assert_ne!(blocks.take(layout(30, 4)), small);
        // The global allocator grows memory too: these blocks go on past what it took.
        let grown: Vec<u8> = vec![1; 5 * PAGE];
        let after = blocks.take(layout(PAGE, 8));
        assert!(after as usize >= grown.as_ptr() as usize + grown.len() || (after as usize) + PAGE <= grown.as_ptr() as usize);
        assert!(Blocks::class(layout(8, 2 * PAGE)).is_none(), "no block is aligned past a page");
    }

    #[wasm_bindgen_test]
    fn the_memory_copies_keep_overlapping_bytes_and_fill() {
        let original: Vec<u8> = (0..=255).collect();
        let n = 200;
        for (from, to) in [(10, 5), (5, 10), (0, 0)] {
            let mut bytes = original.clone();
            // SAFETY: both ranges lie in `bytes`.
            unsafe { mem::memmove(bytes.as_mut_ptr().add(to), bytes.as_ptr().add(from), n) };
            let mut expected = original.clone();
            expected[to..to + n].copy_from_slice(&original[from..from + n]);
            assert_eq!(bytes, expected, "{from} to {to}");
        }
        let mut bytes = original.clone();
        // SAFETY: both ranges lie in `bytes`, and do not overlap.
        unsafe { mem::memcpy(bytes.as_mut_ptr(), original.as_ptr().add(50), n) };
        assert_eq!(bytes[..n], original[50..50 + n]);
        let mut bytes = original.clone();
        // SAFETY: the range lies in `bytes`.
        unsafe { mem::memset(bytes.as_mut_ptr().add(3), 9, n) };
        assert!(bytes[3..3 + n].iter().all(|&b| b == 9) && bytes[..3] == original[..3] && bytes[3 + n..] == original[3 + n..]);
    }
}
