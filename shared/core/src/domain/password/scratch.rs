//! Argon2 working memory kept between hashes.
//!
//! Every Argon2 run needs `m` KiB of blocks (12 MiB at [`super::PARAMS`]). Allocating them per
//! run costs more than it seems: the allocator hands out fresh pages (or zeroes reused ones),
//! the first write to each of the 3,072 pages is a page fault, and freeing returns them to the
//! kernel. Under the sign-in benchmark that was ~15 % of a whole sign-in's CPU (perf: `memset`
//! from `alloc_zeroed`, `exc_page_fault`, `brk`/`munmap`), as much as all the protocol work of
//! the flow. Argon2 never reads a block before writing it, so the buffer needs no zeroing and
//! can be reused as is.
//!
//! One buffer is kept per process (at most [`KEEP_BLOCKS`]): a concurrent run, or one with
//! more memory (an imported digest), allocates its own as before. Losing the buffer changes
//! nothing but speed. What a finished run leaves in it is the last pass over the memory, each
//! block of which depends on the whole previous pass, so it offers no shortcut for checking
//! password guesses; a single-pass run (`t = 1`, only possible for imported digests) would, so
//! its buffer is wiped before it is kept.

use std::sync::Mutex;

use edgeid_argon2::Block;

/// The blocks kept between runs: [`super::PARAMS`]' memory (1 KiB per block).
const KEEP_BLOCKS: usize = super::PARAMS.0 as usize;

static SPARE: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// Run `f` on `count` blocks of Argon2 memory (contents unspecified), from the spare buffer
/// when it is free and large enough. `passes` is the run's `t`.
pub fn with_blocks<R>(count: usize, passes: u32, f: impl FnOnce(&mut [Block]) -> R) -> R {
    let spare = std::mem::take(&mut *SPARE.lock().unwrap_or_else(|p| p.into_inner()));
    let mut blocks = if spare.len() >= count { spare } else { vec![Block::default(); count] };
    let out = match blocks.get_mut(..count) {
        Some(memory) => f(memory),
        None => f(&mut []),
    };
    if blocks.len() <= KEEP_BLOCKS {
        if passes < 2 {
            blocks.fill(Block::default());
        }
        let mut slot = SPARE.lock().unwrap_or_else(|p| p.into_inner());
        if slot.len() < blocks.len() {
            *slot = blocks;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use edgeid_argon2::{Argon2, Variant, Version};

    use super::*;

    fn argon(t: u32) -> Argon2<'static> {
        Argon2::new(Variant::Id, Version::V0x13, 256, t, 1).unwrap()
    }

    fn fresh(t: u32, password: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        argon(t).hash_into(password, b"salt-salt-salt", &mut out, &mut vec![Block::default(); 256]).unwrap();
        out
    }

    #[test]
    fn a_reused_dirty_buffer_gives_the_same_hash_as_fresh_memory() {
        for t in [1, 3] {
            // Dirty the spare with another password's run, then hash again through it.
            with_blocks(256, t, |m| argon(t).hash_into(b"other", b"salt-salt-salt", &mut [0u8; 32], m)).unwrap();
            let mut reused = [0u8; 32];
            with_blocks(256, t, |m| argon(t).hash_into(b"right", b"salt-salt-salt", &mut reused, m)).unwrap();
            assert_eq!(fresh(t, b"right"), reused, "t={t}");
        }
    }

    #[test]
    fn more_memory_than_the_default_is_not_kept() {
        with_blocks(KEEP_BLOCKS + 8, 3, |m| assert_eq!(m.len(), KEEP_BLOCKS + 8));
        assert!(SPARE.lock().unwrap().len() <= KEEP_BLOCKS);
    }
}
