// Web Worker: finds a nonce so that sha256(challenge + ":" + nonce) starts with
// `difficulty` zero bits, reporting progress to the page every few thousand tries.
import { sha256Words, leadingZeroBits } from "./sha256.js";

const encoder = new TextEncoder();

self.onmessage = (event) => {
  const { challenge, difficulty, id } = event.data;
  const prefix = encoder.encode(challenge + ":");
  const buf = new Uint8Array(prefix.length + 20);
  buf.set(prefix);
  const expected = Math.pow(2, difficulty);
  const started = Date.now();
  for (let nonce = 0; ; nonce++) {
    const digits = String(nonce);
    for (let i = 0; i < digits.length; i++) buf[prefix.length + i] = digits.charCodeAt(i);
    const words = sha256Words(buf.subarray(0, prefix.length + digits.length));
    if (leadingZeroBits(words) >= difficulty) {
      self.postMessage({ id, done: true, nonce: digits, tries: nonce + 1, ms: Date.now() - started });
      return;
    }
    if ((nonce & 0x1fff) === 0x1fff) {
      self.postMessage({ id, done: false, progress: 1 - Math.exp(-(nonce + 1) / expected) });
    }
  }
};
