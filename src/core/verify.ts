/**
 * The verifier's verdict on a whole book file (DESIGN section 3, "Verifier command"): every entry
 * checked, forks and gaps found, in the report shape other implementations share.
 */
import { Book, type IngestResult, type SignatureCheck } from './book.js';
import { ingestBatch, type BatchVerifier } from './ingest.js';
import type { BookFile } from './bookfile.js';
import { verifyStrict } from './ed25519.js';
import type { Reason } from './errors.js';

/** The `--json` report of `village-ledger verify`. */
export interface VerifyReport {
  readonly book: string;
  readonly entries: number;
  readonly valid: number;
  readonly invalid: { readonly id: string | null; readonly reason: Reason }[];
  readonly forks: { readonly author: string; readonly seq: number; readonly ids: readonly [string, string] }[];
  readonly missing: string[];
}

/** A report with human-readable details alongside (not part of the JSON shape). */
export interface VerifyResult {
  readonly report: VerifyReport;
  /** One line per invalid entry: index in the file, id, reason, field and message. */
  readonly details: { index: number; id: string | null; reason: Reason; field: string; message: string }[];
  /** Entries still waiting for an absent dependency. */
  readonly held: number;
  readonly book: Book;
  /** True when every entry is valid, no chain has a gap and no author forked (exit code 0). */
  readonly ok: boolean;
}

/** Options for {@link verifyBookFile}. */
export interface VerifyOptions {
  /** Signature rule; defaults to the strict rule. A fast path must agree with it (see ed25519.ts). */
  readonly checkSignature?: SignatureCheck;
  /** Called every `progressEvery` entries with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
}

/** Checks every entry of a book file and reports. */
export function verifyBookFile(file: BookFile, opts: VerifyOptions = {}): VerifyResult {
  const book = new Book(file.book, opts.checkSignature ?? verifyStrict);
  const every = opts.progressEvery ?? 1000;
  const outcomes = file.entries.map((bytes, i) => {
    const r = book.ingest(bytes);
    if (opts.onProgress !== undefined && (i + 1) % every === 0) opts.onProgress(i + 1, file.entries.length);
    return r;
  });
  opts.onProgress?.(file.entries.length, file.entries.length);
  return report(book, outcomes);
}

/**
 * The same verdicts as {@link verifyBookFile}, with signatures checked in batches by `verify`
 * (for example WebCrypto behind the strict pre-checks), yielding between batches.
 */
export async function verifyBookFileBatched(
  file: BookFile,
  verify: BatchVerifier,
  opts: { readonly batchSize?: number; readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyResult> {
  const book = new Book(file.book);
  const size = opts.batchSize ?? 2000;
  const outcomes: IngestResult[] = [];
  for (let i = 0; i < file.entries.length; i += size) {
    outcomes.push(...(await ingestBatch(book, file.entries.slice(i, i + size), verify)));
    opts.onProgress?.(Math.min(i + size, file.entries.length), file.entries.length);
  }
  return report(book, outcomes);
}

function report(book: Book, outcomes: readonly IngestResult[]): VerifyResult {
  const invalid: VerifyReport['invalid'] = [];
  const details: VerifyResult['details'] = [];
  const reported = new Set<string>();
  let valid = 0;
  let held = 0;
  outcomes.forEach((o, index) => {
    if (o.kind === 'input-rejected') {
      const r = o.rejection;
      const key = `${r.id ?? index}:${r.reason}`;
      if (reported.has(key)) return;
      reported.add(key);
      invalid.push({ id: r.id, reason: r.reason });
      details.push({ index, id: r.id, reason: r.reason, field: r.field, message: r.message });
      return;
    }
    const status = book.status(o.id);
    if (status === 'valid') valid++;
    else if (status === 'held' && book.errorOf(o.id) === null) held++; // waits for a missing entry
    else {
      const err = book.errorOf(o.id)!;
      const key = `${o.id}:${err.reason}`;
      if (reported.has(key)) return;
      reported.add(key);
      invalid.push({ id: o.id, reason: err.reason });
      details.push({ index, id: o.id, reason: err.reason, field: err.field, message: err.message });
    }
  });
  const forks = book.forks().map((f) => ({ author: f.author, seq: f.seq, ids: f.ids }));
  const missing = book.missing();
  const rep: VerifyReport = { book: book.idHex, entries: outcomes.length, valid, invalid, forks, missing };
  const ok = invalid.length === 0 && forks.length === 0 && missing.length === 0 && held === 0;
  return { report: rep, details, held, book, ok };
}
