/**
 * A QR code for the terminal, so the teacher's phone (or a student's) can open the address `npm
 * start -- --lan` prints without typing it. Two rows of modules per line with half-block
 * characters; on a terminal (TTY) the colours are set explicitly (dark modules black on white),
 * so it scans on dark and light themes alike; otherwise light modules are drawn as blocks and dark
 * ones as spaces (how a dark terminal shows it). Encoded by uqr (error correction L, 2-module quiet zone).
 */
import { encode } from 'uqr';

/** The QR code of `text` as lines of text (`ansi`: with explicit colours, for a TTY). */
export function terminalQr(text: string, ansi: boolean): string[] {
  const { data } = encode(text, { ecc: 'L', border: 2 });
  const size = data.length;
  const dark = (y: number, x: number) => y < size && data[y]![x] === true;
  const lines: string[] = [];
  for (let y = 0; y < size; y += 2) {
    let line = '';
    for (let x = 0; x < size; x++) {
      const top = dark(y, x);
      // Past the last row (odd size): light, like the quiet zone.
      const bottom = y + 1 < size ? dark(y + 1, x) : false;
      if (ansi) line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
      else line += !top && !bottom ? '█' : !top ? '▀' : !bottom ? '▄' : ' ';
    }
    // Black on white: the block characters draw the dark modules.
    lines.push(ansi ? `\x1b[30;47m${line}\x1b[0m` : line);
  }
  return lines;
}
