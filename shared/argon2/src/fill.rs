//! Filling the memory (RFC 9106 §3.2 steps 5–6, §3.4): block by block, slice by slice, each
//! new block the compression of the previous one with a pseudo-randomly chosen earlier one.
//!
//! Lanes run one after the other within each slice. That gives the same memory as running
//! them in parallel: a block only ever references blocks of its own lane or blocks of other
//! lanes in slices that are already complete.

use super::block::Block;
use super::compress::compress;
use super::{Argon2, Error, Variant, Version};

/// Addresses per address block (Argon2i and the first half-pass of Argon2id).
const ADDRESSES: usize = 128;
/// Slices per pass (synchronisation points).
pub const SLICES: usize = 4;

/// Where we are: what a segment's filling and addressing depend on.
#[derive(Clone, Copy)]
struct Position {
    pass: usize,
    slice: usize,
    lane: usize,
}

/// The memory's shape for one run.
#[derive(Clone, Copy)]
pub struct Geometry {
    pub lanes: usize,
    pub segment: usize,
    pub lane_length: usize,
    pub blocks: usize,
}

impl Geometry {
    /// `m' = 4p · ⌊m / 4p⌋` blocks, at least 8 per lane (the RFC's rounding).
    pub fn new(m_kib: u32, lanes: u32) -> Self {
        let lanes = lanes as usize;
        let memory = (m_kib as usize).max(2 * SLICES * lanes);
        let segment = memory / (lanes * SLICES);
        Geometry { lanes, segment, lane_length: segment * SLICES, blocks: segment * SLICES * lanes }
    }
}

/// The data-independent address generator: an input block (position, sizes, counter) run
/// twice through G with a zero block; each output gives 128 pseudo-random words.
struct Addresses {
    input: Block,
    block: Block,
}

impl Addresses {
    fn new(argon: &Argon2<'_>, geometry: &Geometry, at: Position) -> Self {
        let mut input = Block::default();
        let header = [
            at.pass as u64,
            at.lane as u64,
            at.slice as u64,
            geometry.blocks as u64,
            u64::from(argon.t),
            argon.variant as u64,
        ];
        for (word, value) in input.words_mut().iter_mut().zip(header) {
            *word = value;
        }
        Addresses { input, block: Block::default() }
    }

    fn next(&mut self) {
        if let Some(counter) = self.input.words_mut().get_mut(6) {
            *counter = counter.wrapping_add(1);
        }
        let zero = Block::default();
        let mut once = Block::default();
        compress(&zero, &self.input, &mut once, false);
        compress(&zero, &once, &mut self.block, false);
    }
}

/// Run every pass over `memory` (the first two blocks of each lane already set).
pub fn fill(argon: &Argon2<'_>, geometry: &Geometry, memory: &mut [Block]) -> Result<(), Error> {
    for pass in 0..argon.t as usize {
        for slice in 0..SLICES {
            for lane in 0..geometry.lanes {
                segment(argon, geometry, memory, Position { pass, slice, lane })?;
            }
        }
    }
    Ok(())
}

fn segment(argon: &Argon2<'_>, geometry: &Geometry, memory: &mut [Block], at: Position) -> Result<(), Error> {
    let Geometry { lanes, segment, lane_length, .. } = *geometry;
    let data_independent =
        argon.variant == Variant::I || (argon.variant == Variant::Id && at.pass == 0 && at.slice < SLICES / 2);
    let mut addresses = data_independent.then(|| Addresses::new(argon, geometry, at));
    let first = if at.pass == 0 && at.slice == 0 { 2 } else { 0 };
    if first == 2
        && let Some(addresses) = &mut addresses
    {
        addresses.next();
    }
    // Version 0x13 xors each new block into the one it replaces on later passes.
    let xor_old = argon.version == Version::V0x13 && at.pass > 0;
    let lane_start = at.lane * lane_length;
    let first_index = lane_start + at.slice * segment + first;
    for (index, current) in (first..segment).zip(first_index..) {
        // The previous block: the lane's last one when the segment starts the lane.
        let previous = if current == lane_start { lane_start + lane_length - 1 } else { current - 1 };
        // The block being written, apart from the rest, which is only read: neither the previous
        // nor the reference block is ever the current one.
        let (before, rest) = memory.split_at_mut_checked(current).ok_or(Error::Memory)?;
        let (out, after) = rest.split_first_mut().ok_or(Error::Memory)?;
        let block = |i: usize| if i < current { before.get(i) } else { after.get(i.checked_sub(current + 1)?) };
        let previous = block(previous).ok_or(Error::Memory)?;
        let random = match &mut addresses {
            Some(addresses) => {
                if index % ADDRESSES == 0 {
                    addresses.next();
                }
                addresses.block.word(index % ADDRESSES)
            }
            None => previous.word(0),
        };
        let lane = reference_lane(random, at, lanes);
        let reference = lane * lane_length + position_in_lane(random, geometry, at, index, lane == at.lane);
        let reference = block(reference).ok_or(Error::Memory)?;
        compress(previous, reference, out, xor_old);
    }
    Ok(())
}

/// The lane the reference block is taken from: the segment's own lane in the very first
/// slice (no other lane has blocks yet), else J₂ mod p.
fn reference_lane(random: u64, at: Position, lanes: usize) -> usize {
    if at.pass == 0 && at.slice == 0 { at.lane } else { ((random >> 32) % lanes as u64) as usize }
}

/// The reference block's index within its lane (RFC 9106 §3.4.1.2): J₁ mapped non-uniformly
/// onto the blocks that are finished and not overwritten in this pass, favouring recent ones.
fn position_in_lane(random: u64, geometry: &Geometry, at: Position, index: usize, same_lane: bool) -> usize {
    let Geometry { segment, lane_length, .. } = *geometry;
    // Blocks of the current segment count only in the own lane; the block just before the
    // current one never counts in another lane at the start of a segment (it is being
    // written in parallel).
    let area = if at.pass == 0 {
        if at.slice == 0 {
            index - 1
        } else if same_lane {
            at.slice * segment + index - 1
        } else {
            at.slice * segment - usize::from(index == 0)
        }
    } else if same_lane {
        lane_length - segment + index - 1
    } else {
        lane_length - segment - usize::from(index == 0)
    };
    let j1 = random & 0xffff_ffff;
    let x = (j1 * j1) >> 32;
    let y = ((area as u64) * x) >> 32;
    // y < area, so this stays in 0..area.
    let relative = area.saturating_sub(1 + y as usize);
    // Later passes start counting after the current segment (the oldest finished blocks).
    let start = if at.pass != 0 && at.slice != SLICES - 1 { (at.slice + 1) * segment } else { 0 };
    (start + relative) % lane_length
}
