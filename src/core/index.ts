/** The core: pure, deterministic ledger logic (no DOM, storage, network, clock or randomness). */
export * from './bytes.js';
export * from './cbor.js';
export * from './errors.js';
export * from './hash.js';
export * from './ed25519.js';
export * from './kinds.js';
export * from './entry.js';
export * from './book.js';
export * from './bookfile.js';
export * from './verify.js';
export * from './write.js';
export * from './ingest.js';
