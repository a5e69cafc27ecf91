/**
 * The camera side of QrScanner.svelte: start the rear camera, look for a QR code a few times a
 * second (the browser's BarcodeDetector when it has one, else jsQR on a downscaled frame, loaded
 * only then), stop the camera as soon as a code is read or the scanner goes away.
 */

export type ScanStatus =
  | 'idle'
  | 'starting'
  | 'scanning'
  /** Plain-http page (e.g. a LAN address): browsers give cameras only to secure pages. */
  | 'insecure'
  /** No getUserMedia at all. */
  | 'unsupported'
  | 'denied'
  | 'nocamera'
  /** The camera exists but could not be opened (another app has it, hardware error). */
  | 'busy'
  | 'error';

/** The status for a getUserMedia failure (DOMException names, per Media Capture and Streams). */
export function cameraProblem(e: unknown): ScanStatus {
  const name = e instanceof Error ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'nocamera';
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
  return 'error';
}

/** Frame size for decoding: at most `max` px on the long side (cheap phones), never enlarged. */
export function frameSize(width: number, height: number, max = 640): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= max) return { width, height };
  const k = max / long;
  return { width: Math.round(width * k), height: Math.round(height * k) };
}

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
interface DetectorClass {
  new (opts: { formats: string[] }): Detector;
  getSupportedFormats?(): Promise<string[]>;
}

/** Milliseconds between decode attempts. */
const INTERVAL_MS = 200;

export class QrScan {
  status = $state<ScanStatus>('idle');
  /** Technical detail of an unexpected failure ('error'). */
  detail = $state('');
  #stream: MediaStream | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = true;

  constructor(private readonly onresult: (text: string) => void) {
    if (typeof window === 'undefined') return;
    if (!window.isSecureContext) this.status = 'insecure';
    else if (!navigator.mediaDevices?.getUserMedia) this.status = 'unsupported';
  }

  /** Whether the camera can be tried at all here. */
  get available(): boolean {
    return this.status !== 'insecure' && this.status !== 'unsupported';
  }

  async start(video: HTMLVideoElement): Promise<void> {
    if (!this.available || !this.#stopped) return;
    this.#stopped = false;
    this.status = 'starting';
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      if (this.#stopped) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.#stream = stream;
      video.srcObject = stream;
      video.muted = true;
      video.playsInline = true;
      await video.play();
      this.status = 'scanning';
      const decode = await this.#decoder(video);
      const tick = async () => {
        if (this.#stopped) return;
        const text = await decode().catch(() => null);
        if (this.#stopped) return;
        if (text !== null && text !== '') {
          this.stop();
          this.onresult(text);
          return;
        }
        this.#timer = setTimeout(() => void tick(), INTERVAL_MS);
      };
      void tick();
    } catch (e) {
      this.stop();
      this.status = cameraProblem(e);
      this.detail = e instanceof Error ? e.message : String(e);
    }
  }

  /** Stops the camera (idempotent); the light goes off. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
    if (this.status === 'starting' || this.status === 'scanning') this.status = 'idle';
  }

  /** One decode attempt on the current video frame: BarcodeDetector, else jsQR. */
  async #decoder(video: HTMLVideoElement): Promise<() => Promise<string | null>> {
    const BD = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
    if (BD !== undefined && (await BD.getSupportedFormats?.().catch((): string[] => []))?.includes('qr_code')) {
      const detector = new BD({ formats: ['qr_code'] });
      return async () => {
        if (video.readyState < 2) return null;
        return (await detector.detect(video))[0]?.rawValue ?? null;
      };
    }
    const { decodeImageData } = await import('./qr-decode.js');
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('no 2D canvas');
    return () => {
      if (video.readyState < 2 || video.videoWidth === 0) return Promise.resolve(null);
      const { width, height } = frameSize(video.videoWidth, video.videoHeight);
      canvas.width = width;
      canvas.height = height;
      ctx.drawImage(video, 0, 0, width, height);
      return Promise.resolve(decodeImageData(ctx.getImageData(0, 0, width, height)));
    };
  }
}
