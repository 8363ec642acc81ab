// Runs the join proof of work in a Web Worker, in the background while the chatter fills
// the form, and reports progress. A challenge is single-use and expires: `solution()`
// fetches a fresh one when the current one is used or too old.
import { api } from "./api.js";

export class ProofOfWork {
  constructor(onProgress) {
    this.onProgress = onProgress;
    this.worker = null;
    this.current = null; // {challenge, difficulty, expiresAt, promise}
    this.seq = 0;
  }

  start() {
    this.seq += 1;
    const id = this.seq;
    if (this.worker) this.worker.terminate();
    this.worker = new Worker(new URL("./pow-worker.js", import.meta.url), { type: "module" });
    const worker = this.worker;
    this.onProgress({ state: "working", progress: 0 });
    const promise = api.pow().then((pow) => new Promise((resolve, reject) => {
      const expiresAt = Date.now() + (pow.expires_in || 120) * 1000;
      worker.onmessage = (event) => {
        const data = event.data;
        if (data.id !== id) return;
        if (data.done) {
          this.onProgress({ state: "ready", progress: 1 });
          resolve({ challenge: pow.challenge, nonce: data.nonce, expiresAt });
        } else {
          this.onProgress({ state: "working", progress: data.progress });
        }
      };
      worker.onerror = (err) => reject(err);
      worker.postMessage({ id, challenge: pow.challenge, difficulty: pow.difficulty });
    }));
    promise.catch(() => this.onProgress({ state: "failed", progress: 0 }));
    this.current = { promise };
    return promise;
  }

  /** A solved, unexpired, unused challenge. */
  async solution() {
    if (!this.current) this.start();
    let solved;
    try {
      solved = await this.current.promise;
    } catch {
      solved = await this.start();
    }
    if (solved.expiresAt - Date.now() < 5000) solved = await this.start();
    this.current = null; // single use
    return { challenge: solved.challenge, nonce: solved.nonce };
  }

  stop() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }
}
