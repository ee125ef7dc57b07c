// The live connection: WebSocket /ws, reconnect with backoff, and after every (re)connect a
// resync from the database (GET /api/dashboard/snapshot) so no event lost during a drop
// goes unseen. Messages: {type:"hello",seq}, {type:"changes",incidents,removed},
// {type:"alert",...}, {type:"resync"}.

import { api, setLiveStatus, toLogin } from "./common.js";

const SIGNED_OUT = 4401; // the server closes with this when the login is missing or ended

const MIN_DELAY = 500;
const MAX_DELAY = 15000;
const PING_MS = 30000;

export class Live {
  constructor({ onChanges = () => {}, onAlert = () => {}, onSnapshot = () => {}, snapshotPath = "/api/dashboard/snapshot" } = {}) {
    this.onChanges = onChanges;
    this.onAlert = onAlert;
    this.onSnapshot = onSnapshot;
    this.snapshotPath = snapshotPath;
    this.delay = MIN_DELAY;
    this.seq = null;
    this.socket = null;
    this.stopped = false;
  }

  start() {
    this.connect();
    // a tab woken from sleep may hold a dead socket that has not noticed yet
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && (!this.socket || this.socket.readyState > 1)) this.connect();
    });
    return this;
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer); // one socket at a time: a pending retry is superseded
    this.timer = null;
    if (this.socket && this.socket.readyState <= 1) this.socket.close();
    setLiveStatus(this.socket ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let socket;
    try {
      socket = new WebSocket(scheme + location.host + "/ws");
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    let keepAlive = null;
    socket.addEventListener("open", () => {
      this.delay = MIN_DELAY;
      setLiveStatus("live");
      this.resync();
      // proxies cut sockets that stay silent; the server answers "ping" with a pong
      keepAlive = setInterval(() => { if (socket.readyState === 1) socket.send("ping"); }, PING_MS);
    });
    socket.addEventListener("message", (event) => { if (this.socket === socket) this.receive(event.data); });
    socket.addEventListener("close", (event) => {
      clearInterval(keepAlive);
      if (this.socket !== socket) return;
      if (event.code === SIGNED_OUT) { this.stopped = true; toLogin(); return; }
      setLiveStatus("reconnecting");
      this.retry();
    });
    socket.addEventListener("error", () => socket.close());
  }

  retry() {
    if (this.stopped || this.timer) return;
    const wait = this.delay * (0.75 + Math.random() * 0.5); // jitter: not all clients at once
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, wait);
  }

  receive(raw) {
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    if (typeof msg.seq === "number") {
      // a gap in the sequence means messages were dropped: the database is the truth
      const gap = this.seq !== null && msg.type !== "hello" && msg.seq > this.seq + 1;
      this.seq = msg.seq;
      if (gap) { this.resync(); return; }
    }
    // the inbox band (inbox.js) listens beside the page: it needs no hook in each page script
    if (msg.type === "changes" || msg.type === "alert") window.dispatchEvent(new CustomEvent(`yuqing:${msg.type}`, { detail: msg }));
    if (msg.type === "changes") this.onChanges(msg);
    else if (msg.type === "alert") this.onAlert(msg);
    else if (msg.type === "resync") this.resync();
  }

  async resync() {
    try {
      const snap = await api(this.snapshotPath);
      window.dispatchEvent(new CustomEvent("yuqing:snapshot", { detail: snap }));
      this.onSnapshot(snap);
    } catch (err) {
      this.onSnapshot(null, err);
    }
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }
}
