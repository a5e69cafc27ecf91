/**
 * Browser harness for test/e2e/qr.spec.ts: mounts the QR components into the production page
 * (bundled by the spec with Vite's build(), served same-origin, so the app's CSP applies).
 */
import { mount, unmount } from 'svelte';
import QrCode from '../../../src/ui/components/QrCode.svelte';
import QrScanner from '../../../src/ui/components/QrScanner.svelte';
import { qrDataUrl } from '../../../src/ui/components/qr.js';
import { decodeImageData } from '../../../src/ui/components/qr-decode.js';

const results: string[] = [];
let current: Record<string, unknown> | null = null;

function host(): HTMLElement {
  let el = document.getElementById('qr-harness');
  if (el === null) {
    el = document.createElement('div');
    el.id = 'qr-harness';
    document.body.replaceChildren(el);
  }
  return el;
}

function clear(): void {
  if (current !== null) void unmount(current);
  current = null;
}

Object.assign(globalThis, {
  __qr: {
    results,
    code(text: string, label: string) {
      clear();
      current = mount(QrCode, { target: host(), props: { text, label } });
    },
    scanner(label: string) {
      clear();
      current = mount(QrScanner, { target: host(), props: { label, onresult: (t: string) => results.push(t) } });
    },
    unmount: clear,
    /** The scanner's decode path on a canvas: draws `text`'s QR image scaled and decodes the pixels. */
    async decodeDrawn(text: string, px: number): Promise<string | null> {
      const img = new Image();
      img.src = qrDataUrl(text).src;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = px;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0, px, px);
      return decodeImageData(ctx.getImageData(0, 0, px, px));
    },
  },
});
