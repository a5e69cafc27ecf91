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

/** Options of {@link ingestBatch}. */
export interface IngestOptions {
  /**
   * Inputs from peers: bound what non-members may make this copy keep (FORMAT.md §2, strangers).
   * The batch is then added in (time, seq) order, so that an honest member's join comes before
   * their later entries, and inputs refused as a stranger's are tried once more at the end.
   * With or without it, inputs refused earlier (this batch or before) and kept by the book are
   * then offered again ({@link Book.retryRefused}) once they would be stored.
   */
  readonly boundStrangers?: boolean;
}

/** Checks and adds a batch of signed entries; results are in input order. */
export async function ingestBatch(book: Book, inputs: readonly Uint8Array[], verify: BatchVerifier = strictBatchVerifier, opts: IngestOptions = {}): Promise<IngestResult[]> {
  const prepared = inputs.map(prepareSignedEntry);
  const jobs: PreparedEntry[] = [];
  for (const p of prepared) {
    if (p.kind !== 'prepared' || book.status(toHex(p.id)) !== undefined) continue;
    // A stranger's input may be refused before any signature work: checked lazily, if stored.
    if (opts.boundStrangers === true && !book.knowsAuthor(toHex(p.entry.author))) continue;
    jobs.push(p);
  }
  const verdicts = await verify(jobs.map((p) => ({ sig: p.sig, id: p.id, author: p.entry.author })));
  const verdictOf = new Map<PreparedEntry, boolean>();
  jobs.forEach((p, i) => verdictOf.set(p, verdicts[i] === true));
  // Entries already held are checked lazily: an identical copy needs no check, and another
  // signature over the same id is checked by the rule before it may replace the stored bytes.
  const one = (p: (typeof prepared)[number]): IngestResult =>
    book.ingestPrepared(p, p.kind === 'prepared' ? (verdictOf.get(p) ?? (() => verifyStrict(p.sig, p.id, p.entry.author))) : false, opts.boundStrangers === true);
  if (opts.boundStrangers !== true) {
    const results = prepared.map(one);
    book.retryRefused(); // e.g. an admit or an import made a refused author a member
    return results;
  }
  const order = prepared.map((_, i) => i);
  const key = (i: number): [number, number] => {
    const p = prepared[i]!;
    return p.kind === 'prepared' ? [p.entry.time, p.entry.seq] : [0, 0];
  };
  order.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1] || a - b);
  const results = new Array<IngestResult>(prepared.length);
  const retry: number[] = [];
  for (const i of order) {
    const r = one(prepared[i]!);
    results[i] = r;
    if (r.kind === 'input-rejected' && r.rejection.reason === 'permission') retry.push(i);
  }
  for (const i of retry) results[i] = one(prepared[i]!);
  // Inputs refused before (in an earlier batch, whose results stand as they were) or in this one
  // and kept by the book: stored now if their author became a member. Such an input of this batch
  // reports what finally happened to it in this call, like the retry above; the others are listed
  // by book.takeRetried() only.
  const late = new Map<string, IngestResult>();
  for (const r of book.retryRefused()) if (r.kind === 'entry') late.set(r.id, r);
  if (late.size > 0) {
    prepared.forEach((p, i) => {
      const r = results[i]!;
      const now = p.kind === 'prepared' && r.kind === 'input-rejected' ? late.get(toHex(p.id)) : undefined;
      if (now !== undefined) results[i] = now;
    });
  }
  return results;
}
