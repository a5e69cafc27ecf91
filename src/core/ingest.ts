/**
 * Batch ingest: prepare every input (size cap and decoding first, no signature work), check the
 * signatures of the new entries in one batch (so a native verifier can work in parallel), then add
 * everything to the book in input order.
 */
import { toHex } from './bytes.js';
import { verifyStrict } from './ed25519.js';
import { Book, prepareSignedEntry, type IngestResult, type PreparedEntry } from './book.js';

/** One signature to check: over the 32-byte entry id, by the author key. */
export interface SignatureJob {
  readonly sig: Uint8Array;
  readonly id: Uint8Array;
  readonly author: Uint8Array;
}

/** Checks many signatures at once; must give the strict rule's verdicts (core/ed25519.ts). */
export type BatchVerifier = (jobs: readonly SignatureJob[]) => Promise<boolean[]>;

/** The strict rule alone. */
export const strictBatchVerifier: BatchVerifier = (jobs) => Promise.resolve(jobs.map((j) => verifyStrict(j.sig, j.id, j.author)));

/** Checks and adds a batch of signed entries; results are in input order. */
export async function ingestBatch(book: Book, inputs: readonly Uint8Array[], verify: BatchVerifier = strictBatchVerifier): Promise<IngestResult[]> {
  const prepared = inputs.map(prepareSignedEntry);
  const jobs: PreparedEntry[] = [];
  for (const p of prepared) if (p.kind === 'prepared' && book.status(toHex(p.id)) === undefined) jobs.push(p);
  const verdicts = await verify(jobs.map((p) => ({ sig: p.sig, id: p.id, author: p.entry.author })));
  const verdictOf = new Map<PreparedEntry, boolean>();
  jobs.forEach((p, i) => verdictOf.set(p, verdicts[i] === true));
  // Entries already held are checked lazily: an identical copy needs no check, and another
  // signature over the same id is checked by the rule before it may replace the stored bytes.
  return prepared.map((p) =>
    book.ingestPrepared(p, p.kind === 'prepared' ? (verdictOf.get(p) ?? (() => verifyStrict(p.sig, p.id, p.entry.author))) : false),
  );
}
