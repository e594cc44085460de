//! The wasm module's allocator. Every export call reads its input into a
//! tree, answers, and drops it all; on a phone without JIT the module runs
//! interpreted, where a general allocator's bookkeeping (and dropping a tree
//! node by node) cost a third of the call. So a call's memory comes from a
//! scratch arena: an allocation is a pointer bump, a free is nothing, and the
//! whole arena is reused by the next call ([`scratch`]). Memory that outlives
//! a call (the registered template lists) is made in [`lasting`], and keeps
//! that lifetime when it grows. Lasting memory and the arena's chunks come
//! from [`crate::blocks`].
//!
//! The answer a call returns lives in the arena until the next call starts:
//! the JS side copies it out at once (wasm-bindgen's glue does), before any
//! other call. The module is single-threaded, as wasm32-unknown-unknown is.

use crate::blocks::BLOCKS;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

/// The first chunk's size; each further chunk doubles the last.
const FIRST_CHUNK: usize = 64 * 1024;
/// A chunk up to this size is kept for the next call; larger ones go back.
const KEPT_CHUNK: usize = 1024 * 1024;
/// Chunks one call may use: doubling from 64 KiB, far more than the input caps need.
const CHUNKS: usize = 20;

struct Arena {
    on: Cell<bool>,
    /// Start and size of each chunk in use; the last one is being filled.
    chunks: [Cell<(usize, usize)>; CHUNKS],
    count: Cell<usize>,
    /// The next free address and the end of the last chunk.
    at: Cell<usize>,
    end: Cell<usize>,
    /// The start of the newest allocation (the one that can grow in place).
    top: Cell<usize>,
}

// SAFETY: the wasm module has one thread; nothing else reaches the arena.
unsafe impl Sync for Arena {}

#[global_allocator]
static ARENA: Arena = Arena {
    on: Cell::new(false),
    chunks: [const { Cell::new((0, 0)) }; CHUNKS],
    count: Cell::new(0),
    at: Cell::new(0),
    end: Cell::new(0),
    top: Cell::new(0),
};

impl Arena {
    /// Newest chunk first: each chunk is as large as all before it together,
    /// so most of a call's memory is found in one or two looks (a free is
    /// asked about for every string a call drops).
    fn holds(&self, ptr: *mut u8) -> bool {
        let p = ptr as usize;
        self.chunks[..self.count.get()].iter().rev().any(|c| {
            let (start, size) = c.get();
            p >= start && p < start + size
        })
    }

    /// Bumps `layout` out of the last chunk, or out of a new one.
    unsafe fn bump(&self, layout: Layout) -> *mut u8 {
        let align = layout.align();
        let start = (self.at.get() + align - 1) & !(align - 1);
        if let Some(end) = start.checked_add(layout.size()).filter(|&end| end <= self.end.get() && self.count.get() > 0) {
            self.at.set(end);
            self.top.set(start);
            return start as *mut u8;
        }
        let count = self.count.get();
        if count == CHUNKS {
            return std::ptr::null_mut();
        }
        let last = if count == 0 { FIRST_CHUNK / 2 } else { self.chunks[count - 1].get().1 };
        let Some(size) = layout.size().checked_add(align).and_then(|needed| needed.max(last * 2).checked_next_power_of_two()) else {
            return std::ptr::null_mut();
        };
        let Ok(chunk_layout) = Layout::from_size_align(size, 8) else { return std::ptr::null_mut() };
        let chunk = BLOCKS.take(chunk_layout);
        if chunk.is_null() {
            return chunk;
        }
        self.chunks[count].set((chunk as usize, size));
        self.count.set(count + 1);
        self.at.set(chunk as usize);
        self.end.set(chunk as usize + size);
        // SAFETY: the new chunk holds `layout` whatever its alignment.
        unsafe { self.bump(layout) }
    }

    /// Gives back every chunk but the last one (when it is not too large).
    fn reset(&self) {
        let count = self.count.get();
        let keep = count > 0 && self.chunks[count - 1].get().1 <= KEPT_CHUNK;
        for (i, c) in self.chunks[..count].iter().enumerate() {
            let (start, size) = c.get();
            if keep && i == count - 1 {
                self.chunks[0].set((start, size));
                continue;
            }
            // SAFETY: each chunk came from BLOCKS.take with this layout.
            BLOCKS.give(start as *mut u8, unsafe { Layout::from_size_align_unchecked(size, 8) });
        }
        let (start, size) = if keep { self.chunks[0].get() } else { (0, 0) };
        self.count.set(usize::from(keep));
        self.at.set(start);
        self.end.set(start + size);
        self.top.set(0);
    }
}

// SAFETY: bump() gives aligned, unused memory of the asked size (or null);
// memory is never handed out twice before reset(), which runs only between calls.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.on.get() {
            // SAFETY: see the impl.
            unsafe { self.bump(layout) }
        } else {
            // SAFETY: the caller's layout contract is the blocks'.
            unsafe { BLOCKS.alloc(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.holds(ptr) {
            // SAFETY: memory not in the arena came from the blocks.
            unsafe { BLOCKS.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.holds(ptr) {
            // Lasting memory stays lasting when it grows.
            // SAFETY: memory not in the arena came from the blocks.
            return unsafe { BLOCKS.realloc(ptr, layout, new_size) };
        }
        if ptr as usize == self.top.get() && self.on.get() {
            if let Some(end) = (ptr as usize).checked_add(new_size).filter(|&end| end <= self.end.get()) {
                self.at.set(end);
                return ptr;
            }
        }
        // SAFETY: a layout with the old alignment and the new size, as realloc's contract allows.
        let grown = unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !grown.is_null() {
            // SAFETY: both blocks hold at least the smaller size and do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(ptr, grown, layout.size().min(new_size)) };
        }
        grown
    }
}

/// Runs one export call with its memory in the arena, which the previous
/// call's memory is cleared from first.
pub fn scratch<R>(call: impl FnOnce() -> R) -> R {
    ARENA.reset();
    ARENA.on.set(true);
    let result = call();
    ARENA.on.set(false);
    result
}

/// Runs `make` with its memory from [`crate::blocks`]: what it makes may outlive the call.
pub fn lasting<R>(make: impl FnOnce() -> R) -> R {
    let was = ARENA.on.replace(false);
    let result = make();
    ARENA.on.set(was);
    result
}
