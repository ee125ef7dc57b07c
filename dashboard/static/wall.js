// 大屏 (wallboard) for the duty room: open incidents by severity, the escalation ladder, the
// clocks next to breach and today's on-time response rate (with its base). The open incidents are the
// snapshot (GET /api/dashboard/snapshot) kept current by live pushes.

import { SEVERITIES, ZONE, api, el, errorText, list, setupHeader, show, whoami } from "./common.js";
import { countdownNode, nextDue, startTicking } from "./countdown.js";
import { Live } from "./live.js";

const URGENT = 12;
const LADDER = [["warn", "提醒"], ["urge", "催办"], ["supervise", "督办"]];
const incidents = new Map(); // id → row, newest `as_of` wins
// the server's counts of every open incident in scope and its 临近超时 rows (GET /api/dashboard/wall):
// the snapshot holds only the most urgent page, not all of them (issue 18)
let counted = null;

function keep(row) {
  const old = incidents.get(row.id);
  if (old && old.as_of > row.as_of) return;
  if (row.status === "closed") incidents.delete(row.id);
  else incidents.set(row.id, row);
}

function big(cls, n, label) {
  return el("div", { class: `big ${cls}`, "data-key": label }, el("span", { class: "n" }, String(n)), el("span", { class: "l" }, label));
}

function render() {
  for (const row of list(counted && counted.urgent)) keep(row);
  const open = [...incidents.values()];
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const row of open) bySeverity[row.severity] = (bySeverity[row.severity] || 0) + 1;
  const counts = counted ? { ...bySeverity, ...counted.open.by_severity } : bySeverity;
  const total = counted ? counted.open.open : open.length;
  document.getElementById("severity-counts").replaceChildren(
    big("s1", counts["特别重大"] || 0, "特别重大"), big("s2", counts["重大"] || 0, "重大"),
    big("s3", counts["一般"] || 0, "一般"), big("total", total, "合计"));

  // next to breach first (the clocks still in time, soonest deadline on top), then the ones
  // already overdue, the most recent breach first: the oldest breach is not the next task
  const now = Date.now();
  const timed = open.map((row) => ({ row, clock: nextDue(row) })).filter((x) => x.clock)
    .map((x) => ({ ...x, due: Date.parse(x.clock.due_at) }));
  const ahead = timed.filter((x) => x.due > now).sort((a, b) => a.due - b.due);
  const over = timed.filter((x) => x.due <= now).sort((a, b) => b.due - a.due);
  const urgent = [...ahead, ...over].slice(0, URGENT);
  const [nAhead, nOver] = counted ? [counted.open.ahead, counted.open.overdue] : [ahead.length, over.length];
  document.getElementById("urgent-counts").textContent = `未超时 ${nAhead} 件 · 已超时 ${nOver} 件`;
  const node = document.getElementById("urgent");
  node.replaceChildren(...urgent.map(({ row, clock }) => el("li", { "data-incident-id": row.id, "data-due": clock.due_at },
    el("span", { class: `badge ${{ 特别重大: "s1", 重大: "s2" }[row.severity] || "s3"}` }, row.severity),
    el("span", { class: "what" }, `#${row.id} ${row.topic} `, el("span", { class: "unit" }, list(row.first_responsible).join("、")),
      row.summary ? el("span", { class: "sum" }, row.summary) : null),
    el("span", { class: "muted" }, clock.label || "时限"),
    countdownNode(clock))));
  if (!urgent.length) node.replaceChildren(el("li", { class: "muted" }, "暂无未办结事件"));
}

// Today's on-time rate and the ladder come from the server: they need clocks met today and
// every rung fired, which the live rows do not carry.
async function figures() {
  const root = document.getElementById("ontime");
  try {
    const data = await api("/api/dashboard/wall");
    const { on_time: s, ladder } = data;
    counted = data;
    render();
    // a rate only with its base, and only from min_base judged clocks on (the server decides)
    const shown = s.rate !== null && s.rate !== undefined;
    const pct = shown ? `${Math.round(s.rate * 1000) / 10}%` : s.total ? "样本不足" : "—";
    const base = shown ? `按时 ${s.on_time} / 应回应 ${s.total} 件，超时 ${s.late} 件`
      : `今日应回应 ${s.total} 件（满 ${s.min_base || 5} 件显示比率），按时 ${s.on_time} 件，超时 ${s.late} 件`;
    root.replaceChildren(el("div", { class: `pct${shown && s.rate < 0.8 ? " low" : ""}${shown ? "" : " few"}`, id: "ontime-rate" }, pct),
      el("div", { class: "sub", id: "ontime-base" }, base));
    document.getElementById("ladder").replaceChildren(...LADDER.map(([k, label]) => big(k, ladder[k] || 0, label)));
    document.getElementById("ladder-base").textContent = `未办结 ${data.open.open} 件中，按各事件最高一级计`;
  } catch (err) {
    root.replaceChildren(el("div", { class: "sub" }, errorText(err)));
  }
}

let figuresTimer = null;
function scheduleFigures() { // at most every 2 s however busy the stream
  if (!figuresTimer) figuresTimer = setTimeout(() => { figuresTimer = null; figures(); }, 2000);
}

function tickClock() {
  const now = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(new Date());
  document.getElementById("wall-clock").textContent = now;
}

let renderTimer = null;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => { renderTimer = null; render(); }, 200);
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  document.getElementById("wall-scope").textContent = user.region || user.unit || "";
  tickClock();
  setInterval(tickClock, 1000);
  document.getElementById("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  startTicking(document.getElementById("urgent"));
  render();
  figures();
  setInterval(figures, 60000);
  new Live({
    onChanges: (msg) => {
      for (const row of list(msg.incidents)) if (row && row.id !== undefined) keep(row);
      for (const id of list(msg.removed)) incidents.delete(Number(id));
      scheduleRender();
      scheduleFigures();
    },
    onSnapshot: (snap, err) => {
      if (!snap) { show(document.getElementById("wall-error"), `加载失败：${errorText(err)}`); return; }
      show(document.getElementById("wall-error"), "");
      incidents.clear();
      for (const row of list(snap.incidents)) keep(row);
      render();
      figures();
    },
  }).start();
}

main();
