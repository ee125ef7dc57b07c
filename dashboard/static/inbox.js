// The alert inbox: a small fixed band at the top of a page (mounted in its #alerts placeholder),
// the header's unread count (提醒 N), and the notices of new 待认领 incidents (browser
// notification with permission, optional sound). One row per incident (GET /api/alerts/inbox):
// its highest open rung, the clocks involved and how many rungs; the band never grows past its
// rows — "查看全部 N 条" opens the 提醒 page. Live pushes (live.js events) refresh it.

import { api, el, errorText, fmtTime } from "./common.js";

export const KIND_CLASS = { due: "k-due", overdue: "k-overdue", supervise: "k-supervise", claim: "k-overdue", major: "k-major" };
const BAND_ROWS = 3; // what the band shows; the rest is one link away
const REFRESH_MS = 60000; // a clock met elsewhere leaves the band at the latest then
const SOUND_KEY = "yuqing.sound";

export function incidentLink(row) {
  return el("a", { href: `/incidents/${encodeURIComponent(row.incident_id)}`, class: "inbox-ev" },
    `#${row.incident_id} ${row.topic || ""}`);
}

export function rungTag(row) {
  return el("span", { class: `inbox-tag ${KIND_CLASS[row.kind] || "k-due"}` }, row.label || "提醒");
}

export async function acknowledge(body) {
  return api("/api/alerts/inbox/ack", { method: "POST", body });
}

// the header's 提醒 link with the unread count (created once, in the page's nav)
function headerBadge() {
  let link = document.getElementById("nav-alerts");
  const nav = document.querySelector(".topbar nav");
  if (!link && nav) {
    link = el("a", { href: "/alerts", id: "nav-alerts", class: location.pathname === "/alerts" ? "active" : "" },
      "提醒", el("span", { class: "count", id: "unread-count", title: "未读提醒（按事件）" }));
    nav.append(link);
  }
  return link ? link.querySelector("#unread-count") : null;
}

export function setUnread(n) {
  const badge = headerBadge();
  if (badge) badge.textContent = n > 0 ? String(n) : "";
}

// the count alone (pages without the band: reports, the 提醒 page before its list)
export async function showUnread() {
  try { setUnread((await api("/api/alerts/inbox/unread")).unread); } catch { /* the badge stays empty */ }
}

export class Inbox {
  constructor(root, { band = true } = {}) {
    this.root = root;
    this.band = band && Boolean(root);
    this.ids = new Set(); // incidents shown: a change to one of them re-reads the band
    this.available = true;
    this.timer = null;
    this.notices = new Notices();
    headerBadge();
    window.addEventListener("yuqing:changes", (e) => this.changed(e.detail));
    window.addEventListener("yuqing:snapshot", (e) => this.notices.known(e.detail));
    setInterval(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    if (!this.available) return;
    let data;
    try {
      data = await api(`/api/alerts/inbox?limit=${BAND_ROWS}`);
    } catch (err) {
      if (err.status === 404 || err.status === 405) this.available = false;
      return;
    }
    setUnread(data.unread);
    this.ids = new Set(data.rows.map((r) => r.incident_id));
    if (this.band) this.render(data);
  }

  // an escalation pushed over the WebSocket: the inbox is the record
  pushed() { this.schedule(); }

  changed(msg) {
    this.notices.changed(msg);
    const touched = [...(msg.incidents || []).map((i) => i && i.id), ...(msg.removed || [])];
    if (touched.some((id) => this.ids.has(Number(id)))) this.schedule();
  }

  schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; this.refresh(); }, 300);
  }

  render(data) {
    const root = this.root;
    root.classList.add("inbox-band");
    root.hidden = data.total === 0;
    if (data.total === 0) { root.replaceChildren(); return; }
    const all = el("button", { type: "button", class: "inbox-ackall", "data-action": "ack-all" }, "全部确认");
    all.addEventListener("click", () => this.ack(all, { all: true }));
    const head = el("div", { class: "inbox-head" },
      el("strong", {}, "提醒"),
      el("span", { class: "inbox-unread" }, `未读 ${data.unread}`),
      el("span", { class: "spacer" }),
      data.unread ? all : null,
      el("a", { href: "/alerts", class: "inbox-more", "data-total": data.total }, `查看全部 ${data.total} 条`));
    const rows = data.rows.slice(0, BAND_ROWS).map((row) => this.row(row));
    root.replaceChildren(head, el("ul", { class: "inbox-rows" }, ...rows));
  }

  row(row) {
    const button = el("button", { type: "button", class: "inbox-ack", "data-action": "ack" }, "确认");
    button.addEventListener("click", () => this.ack(button, { ids: row.ids }));
    return el("li", { class: `inbox-row${row.unread ? " unread" : ""}`, "data-incident-id": row.incident_id },
      rungTag(row), incidentLink(row),
      row.clocks ? el("span", { class: "inbox-clocks" }, `${row.clocks}时限`) : null,
      row.rungs > 1 ? el("span", { class: "inbox-rungs" }, `${row.rungs} 次`) : null,
      el("span", { class: "inbox-due muted" }, `到期 ${fmtTime(row.due_at)}`),
      row.unread ? button : el("span", { class: "inbox-read muted" }, "已确认"));
  }

  async ack(button, body) {
    button.disabled = true;
    try {
      await acknowledge(body);
      await this.refresh();
    } catch (err) {
      button.disabled = false;
      button.title = errorText(err);
    }
  }
}

// New 待认领 incidents, told by a browser notification (once the viewer allowed it) and, when
// switched on (提醒 page), a short tone. Only incidents first seen after the page loaded.
export class Notices {
  constructor() { this.seen = null; this.upTo = 0; }

  known(snap) {
    const ids = (snap && snap.incidents || []).map((i) => i.id);
    this.seen = new Set([...(this.seen || []), ...ids]);
    // the snapshot is a page, not every open incident: ids up to its newest existed before
    this.upTo = Math.max(this.upTo, Number(snap && snap.newest_id) || 0);
  }

  changed(msg) {
    if (this.seen === null) return; // before the first snapshot every row would look new
    for (const inc of msg.incidents || []) {
      if (!inc || this.seen.has(inc.id) || inc.id <= this.upTo) continue;
      this.seen.add(inc.id);
      if (inc.status === "unclaimed") this.tell(inc);
    }
  }

  tell(inc) {
    const body = `#${inc.id} ${inc.topic || ""}`;
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("新的待认领事件", { body, tag: `unclaimed-${inc.id}` }); } catch { /* not allowed here */ }
    }
    if (soundOn()) beep();
  }
}

export function soundOn() {
  try { return localStorage.getItem(SOUND_KEY) === "1"; } catch { return false; }
}

export function setSound(on) {
  try { localStorage.setItem(SOUND_KEY, on ? "1" : "0"); } catch { /* private mode: off */ }
}

// a short tone from the Web Audio API: no sound file to ship or fetch
export function beep() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  const ctx = new Ctx();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.15, ctx.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.4);
  osc.addEventListener("ended", () => ctx.close());
}
