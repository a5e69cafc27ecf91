/**
 * Reading a QR code from pixels with jsQR (pure JavaScript, no eval): the fallback when the browser
 * has no BarcodeDetector. Loaded lazily by the scanner, only when needed.
 */
import jsQR from 'jsqr';

/** RGBA pixels, as in ImageData (a real ImageData works). */
export interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of the QR code in `img`, or null when none is found. Byte content is read as UTF-8. */
export function decodeImageData(img: Pixels): string | null {
  const r = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  if (r === null) return null;
  try {
    return r.binaryData.length > 0 ? utf8.decode(new Uint8Array(r.binaryData)) : r.data;
  } catch {
    return r.data;
  }
}
