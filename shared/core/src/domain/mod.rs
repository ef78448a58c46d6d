//! What two groups share: the entities and their repositories over [`crate::store::Store`].
