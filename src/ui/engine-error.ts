/**
 * Engine errors on the page: the worker sends `{code, field, params}` (src/worker/errors.ts) and
 * the page renders the code in the member's language, so no English sentence reaches the Chinese
 * screens. `message` is the localized sentence (what screens show through `e.message`).
 */
import type { EngineErrorCode, EngineErrorData, ErrorParams } from '../worker/errors.js';
import { t } from './i18n/i18n.svelte.js';
import type { MessageKey } from './i18n/messages.js';

/** An engine call that failed, with its code for the program and its sentence for the member. */
export class EngineCallError extends Error {
  override readonly name = 'EngineCallError';
  readonly code: EngineErrorCode;
  readonly field: string | undefined;
  readonly params: ErrorParams;
  /** The engine's English sentence (logs). */
  readonly english: string;
  constructor(data: EngineErrorData) {
    super(engineErrorText(data));
    this.code = data.code;
    this.field = data.field;
    this.params = data.params ?? {};
    this.english = data.message;
  }
}

/** The member-facing sentence of an engine error in the current language. */
export function engineErrorText(data: Pick<EngineErrorData, 'code' | 'params'>): string {
  const params: Record<string, string | number> = { ...(data.params ?? {}) };
  if (data.code === 'refused') {
    const reason = String(params.reason ?? 'invalid');
    const key = `engineReason.${reason}` as MessageKey;
    params.reason = t(key) === key ? t('engineReason.invalid') : t(key);
  }
  if (data.code === 'failure' && params.detail === undefined) params.detail = '';
  return t(`engineError.${data.code}` as MessageKey, params);
}

/** Whether `e` is an engine error with this code. */
export function isEngineError(e: unknown, code?: EngineErrorCode): e is EngineCallError {
  return e instanceof EngineCallError && (code === undefined || e.code === code);
}
