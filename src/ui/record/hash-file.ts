/**
 * SHA-256 of a file on the phone, in slices (a large document never sits in memory whole), with
 * @noble/hashes: it also works on plain-http LAN pages, where crypto.subtle is absent.
 * The file is only read here; it is never uploaded or stored.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../core/bytes.js';

const SLICE = 1 << 20;

export async function hashFile(file: Blob, progress?: (done: number, total: number) => void): Promise<string> {
  const h = sha256.create();
  for (let at = 0; at < file.size; at += SLICE) {
    const part = new Uint8Array(await file.slice(at, Math.min(file.size, at + SLICE)).arrayBuffer());
    h.update(part);
    progress?.(Math.min(file.size, at + SLICE), file.size);
    // Let the page breathe between slices (progress shows, taps still work).
    await new Promise((r) => setTimeout(r, 0));
  }
  return toHex(h.digest());
}
