/**
 * State of the "check a book" page: the verdict on a book file, progress while checking, and
 * errors in words a villager can act on.
 */
import type { BookVerdict } from '../../worker/protocol.js';
import type { EngineClient as Engine } from '../engine.js';
import { t } from '../i18n/i18n.svelte.js';

/** Largest book file the page reads (a 100,000-entry book is about 30 MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export class VerifyPage {
  verdict = $state<BookVerdict | null>(null);
  error = $state<string | null>(null);
  progress = $state<{ done: number; total: number } | null>(null);
  busy = $state(false);
  /** The last checked file, offered back for download (a demo book). */
  fileUrl = $state<string | null>(null);
  fileName = $state('book.vlbook');

  readonly percent = $derived(this.progress === null || this.progress.total === 0 ? 0 : Math.round((100 * this.progress.done) / this.progress.total));

  constructor(private readonly engine: Engine) {}

  async checkFile(file: File): Promise<void> {
    if (file.size > MAX_FILE_BYTES) {
      this.fail(t('check.tooBig', { file: file.name, mb: Math.round(file.size / 1e6), max: MAX_FILE_BYTES / 1e6 }));
      return;
    }
    this.setFile(null, file.name);
    await this.check(new Uint8Array(await file.arrayBuffer()));
  }

  async demo(tamper: boolean): Promise<void> {
    this.busy = true;
    try {
      const bytes = await this.engine.demoBook(tamper);
      this.setFile(bytes, tamper ? 'demo-altered.vlbook' : 'demo.vlbook');
      await this.check(bytes);
    } catch (e) {
      this.fail(String(e instanceof Error ? e.message : e));
    }
  }

  private setFile(bytes: Uint8Array | null, name: string): void {
    if (this.fileUrl !== null) URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = bytes === null ? null : URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/cbor' }));
    this.fileName = name;
  }

  private async check(bytes: Uint8Array): Promise<void> {
    this.busy = true;
    this.error = null;
    this.verdict = null;
    this.progress = { done: 0, total: 0 };
    try {
      this.verdict = await this.engine.verifyBook(bytes, true, (done, total) => (this.progress = { done, total }));
    } catch (e) {
      this.fail(t('check.unreadable', { message: e instanceof Error ? e.message : String(e) }));
    } finally {
      this.busy = false;
      this.progress = null;
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.busy = false;
  }
}
