/**
 * Typed messages between the UI thread and the engine worker. The UI thread never verifies
 * signatures (DESIGN section 5): it sends bytes here and gets verdicts back.
 */
import type { VerifyReport } from '../core/index.js';
import type { EngineMethod } from './handlers.js';
import type { EngineErrorData } from './errors.js';

/** A request to the engine worker. `rid` pairs it with its reply. */
export type EngineRequest =
  | { readonly rid: number; readonly type: 'verify-book'; readonly file: Uint8Array; readonly fast: boolean }
  | {
      readonly rid: number;
      readonly type: 'verify-signatures';
      readonly jobs: readonly { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[];
      readonly fast: boolean;
    }
  | { readonly rid: number; readonly type: 'ingest-timed'; readonly file: Uint8Array; readonly fast: boolean }
  | { readonly rid: number; readonly type: 'demo-book'; readonly seed: Uint8Array; readonly time: number; readonly tamper: boolean }
  | { readonly rid: number; readonly type: 'call'; readonly method: EngineMethod; readonly args: readonly unknown[] };

/** What the device's storage looks like (navigator.storage), for the settings screen. */
export interface StorageStatus {
  readonly persisted: boolean | null;
  readonly usage: number | null;
  readonly quota: number | null;
}

/** The engine's methods as the UI calls them, derived from BookEngine through the handler map (handlers.ts). */
export type { EngineApi, EngineMethod } from './handlers.js';

// The view types are defined next to the pure functions that compute them (src/core/views.ts).
export type { EntryDetail, HomeView, JournalPage, JournalQuery, JournalRow, MemberView, MoneyRow, ProblemsView, SeriesAccount, SeriesPoint, Subunits } from '../core/views.js';

/** The verifier's verdict with what the UI shows besides the JSON report. */
export interface BookVerdict {
  readonly report: VerifyReport;
  readonly ok: boolean;
  readonly name: string | null;
  readonly members: readonly { key: string; name: string; status: string; admin: boolean }[];
  readonly details: readonly { index: number; id: string | null; reason: string; field: string; message: string }[];
  /** Which signature path ran: WebCrypto behind the strict pre-checks, or the strict rule alone. */
  readonly verifier: 'webcrypto' | 'strict';
  readonly ms: number;
}

/** Replies and progress from the engine worker. */
export type EngineReply =
  | { readonly rid: number; readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly rid: number; readonly type: 'ok'; readonly result: unknown }
  | { readonly rid: number; readonly type: 'error'; readonly error: EngineErrorData };
