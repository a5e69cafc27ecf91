/**
 * The one error type of the ledger. Its `reason` is one of the words of DESIGN section 3, which the
 * verifier, the UI and other implementations share; `field` names the offending part of the entry.
 */

/** Why an entry is invalid (DESIGN section 3, "Invalid-entry reasons"). */
export type Reason =
  | 'encoding'
  | 'too-large'
  | 'signature'
  | 'book'
  | 'chain'
  | 'links'
  | 'time'
  | 'kind'
  | 'permission'
  | 'fork';

/** Every reason word, in the order of DESIGN section 3. */
export const REASONS: readonly Reason[] = [
  'encoding',
  'too-large',
  'signature',
  'book',
  'chain',
  'links',
  'time',
  'kind',
  'permission',
  'fork',
];

/** An invalid input: the reason word, the field at fault (e.g. `body.name`, `links[2]`) and a sentence. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly reason: Reason,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Shorthand for `new LedgerError(...)`, for use in `throw fail(...)`. */
export function fail(reason: Reason, field: string, message: string): LedgerError {
  return new LedgerError(reason, field, message);
}
