// The chime (issue 14): a short, soft tone for a new private-message request, or a new
// private message, while the page is in the background. It owns the setting, the
// AudioContext and the rule of when a tone may sound:
// - off by default; the choice is kept in localStorage ("causette.sound"), like the language;
// - only in the background: the page is hidden (another tab) or has lost the focus
//   (another window or app). Never while the chatter is looking at the page, never when off;
// - at most one tone every CHIME_GAP_MS however many requests arrive: a flood of requests
//   is one sound, not a noise storm;
// - the tone is generated (an oscillator through a gain envelope, Web Audio): no file to
//   fetch, so nothing for the CSP or the service worker to allow;
// - browsers start an AudioContext only after a user gesture (autoplay policies): it is
//   created when the chatter turns the setting on (a click or a key: a gesture), or, when
//   the setting was already on at load, at their first click or key press on the page.
// Observable facts, on <html>: data-chimes counts the tones decided (synchronously, when
// the event arrives), data-chimes-played those the audio clock played to their end,
// data-sound the AudioContext's state ("none" before there is one).

const STORAGE_KEY = "causette.sound";
export const CHIME_GAP_MS = 5000;
// A tone asked while the context was suspended plays only if it resumes at once: a tone
// for a request of a minute ago, at the chatter's next click, would be noise.
const LATE_MS = 1000;

let ctx = null;
let lastAt = -Infinity;
let asked = 0;
let played = 0;

export function soundOn() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

/** The setting's switch. Turning it on is a user gesture: the AudioContext starts here. */
export function setSound(on) {
  try {
    if (on) localStorage.setItem(STORAGE_KEY, "on");
    else localStorage.removeItem(STORAGE_KEY);
  } catch { /* private mode: the choice lasts for this page */ }
  if (on) wake();
  else if (ctx && ctx.state === "running") ctx.suspend().catch(() => {});
}

/** The page is not what the chatter is looking at: another tab, or another window. */
export function inBackground() {
  return document.visibilityState === "hidden" || !document.hasFocus();
}

/** A new request or private message arrived: one soft tone if the rules allow it. */
export function chime() {
  if (!soundOn() || !inBackground()) return false;
  const now = performance.now();
  if (now - lastAt < CHIME_GAP_MS) return false;
  lastAt = now;
  asked += 1;
  mark();
  // Without a gesture since the page loaded this context stays suspended: no sound.
  const c = ctx || wake();
  if (!c) return false;
  if (c.state === "running") tone(c);
  else c.resume().then(() => { if (performance.now() - now < LATE_MS) tone(c); }).catch(() => {});
  return true;
}

/** The setting was on at load: the first click or key press on the page starts the audio. */
export function armSound() {
  const unlock = () => {
    if (soundOn() && !(ctx && ctx.state === "running")) wake();
  };
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);
  mark();
}

function wake() {
  if (!ctx) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    try {
      ctx = new Context();
    } catch {
      return null;
    }
    ctx.addEventListener("statechange", mark);
  }
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  mark();
  return ctx;
}

/** A soft two-step "ding" (A5 then E5) of a third of a second, well below full volume. */
function tone(c) {
  const t0 = c.currentTime + 0.01;
  const osc = c.createOscillator();
  const gain = c.createGain();
  osc.type = "sine";
  osc.frequency.setValueAtTime(880, t0);
  osc.frequency.setValueAtTime(659.25, t0 + 0.12);
  gain.gain.setValueAtTime(0.0001, t0);
  gain.gain.exponentialRampToValueAtTime(0.12, t0 + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.34);
  osc.connect(gain).connect(c.destination);
  osc.addEventListener("ended", () => {
    osc.disconnect();
    gain.disconnect();
    played += 1;
    mark();
  });
  osc.start(t0);
  osc.stop(t0 + 0.35);
}

function mark() {
  const d = document.documentElement.dataset;
  d.chimes = String(asked);
  d.chimesPlayed = String(played);
  d.sound = ctx ? ctx.state : "none";
}
