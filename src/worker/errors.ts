/**
 * Errors the engine reports to the member. They cross the worker boundary as data
 * (`{code, field, params, message}`), never as prose alone: the page renders each code in the
 * member's language (src/ui/i18n/{en,zh-CN}/engine.ts; test/unit/i18n.test.ts checks that every
 * code has words in every language). `message` is English, for logs and the console.
 */
import type { KeyBackupError } from '../identity/backup.js';

/** Every code the engine can report. */
export const ENGINE_ERROR_CODES = [
  'no-identity',
  'no-book',
  'not-a-member',
  'own-head-unknown',
  'invalid',
  'bad-file',
  /** The book's rules refused an own entry (params.reason: the core's reason word). Nothing was stored. */
  'refused',
  /** A dispute of an entry this member has confirmed: a confirm is final (FORMAT.md §8), the dispute would change nothing. Nothing was signed. */
  'already-confirmed',
  /** A dispute of an entry this member wrote: authoring is final like a confirm (FORMAT.md §8), the dispute would change nothing. Nothing was signed. */
  'own-entry',
  /** The app lock is on and the key is locked: enter the PIN first. */
  'locked',
  /** The PIN or passphrase of the app lock is wrong. */
  'wrong-pin',
  /** This page cannot seal the key with the browser (plain http): an app lock is required. */
  'lock-required',
  /** A PIN or passphrase too short or too long. */
  'pin-length',
  /** A name outside 1 to 60 characters. */
  'name-length',
  /** A book name outside 1 to 80 characters. */
  'book-name-length',
  /** This device holds another key than the one restored. */
  'other-key',
  'backup-format',
  'backup-passphrase',
  'backup-mismatch',
  'backup-typo',
  'store-quota',
  'store-closed',
  'store-corrupt',
  'store-unavailable',
  'store-failed',
  /** Another tab holds this book's write lock for too long (params.seconds). */
  'busy',
  /** The page and the worker disagree about the method (different versions: reload). */
  'no-method',
  /** Anything unexpected (params.detail: the English message). */
  'failure',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/** Parameters of an error message (filled into the localized sentence). */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** An engine error as it crosses the worker boundary. */
export interface EngineErrorData {
  readonly code: EngineErrorCode;
  /** The input field at fault (a form field, or the entry field a rule names), when known. */
  readonly field?: string;
  readonly params?: ErrorParams;
  /** English sentence (logs, console); screens render `code` in the member's language. */
  readonly message: string;
}

/** Refusals the member can act on. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly field: string | undefined;
  readonly params: ErrorParams;
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    extra: { field?: string; params?: ErrorParams } = {},
  ) {
    super(message);
    this.field = extra.field;
    this.params = extra.params ?? {};
  }
}

/** The boundary form of any error thrown by an engine call. */
export function errorData(e: unknown): EngineErrorData {
  if (e instanceof EngineError) return { code: e.code, message: e.message, params: e.params, ...(e.field !== undefined ? { field: e.field } : {}) };
  if (e instanceof Error) {
    if (e.name === 'KeyBackupError') return { code: `backup-${(e as KeyBackupError).code}`, message: e.message };
    if (e.name === 'StoreError') {
      const code = `store-${(e as Error & { code: string }).code}`;
      return { code: (ENGINE_ERROR_CODES as readonly string[]).includes(code) ? (code as EngineErrorCode) : 'store-failed', message: e.message };
    }
    if (e.name === 'LedgerError') {
      // A draft the core refuses before signing (e.g. a malformed body): the rules' refusal, nothing stored.
      const le = e as Error & { reason: string; field: string };
      return { code: 'refused', message: `The entry was refused (${le.reason}): ${e.message}. Nothing was stored.`, params: { reason: le.reason }, ...(le.field ? { field: le.field } : {}) };
    }
    if (e.name === 'BookFileError') return { code: 'bad-file', message: e.message, params: { detail: e.message } };
    return { code: 'failure', message: `engine failure: ${e.message}`, params: { detail: e.message } };
  }
  return { code: 'failure', message: `engine failure: ${String(e)}`, params: { detail: String(e) } };
}
